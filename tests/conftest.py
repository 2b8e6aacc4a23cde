"""Fixtures: a fresh OwnerGuard home per test, on SQLite always and on PostgreSQL when
``OWNERGUARD_TEST_DATABASE_URL`` is set (each test then gets its own schema)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from datetime import datetime
from sqlalchemy import create_engine, text

from ownerguard import clock

from ownerguard.services.home import init_home
from ownerguard.services.runtime import Runtime, open_runtime

PG_URL = os.environ.get("OWNERGUARD_TEST_DATABASE_URL")
SAMPLE_SHEET = Path(__file__).resolve().parents[2] / "shared" / "data" / "sample-owners-hc.xlsx"

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


# Every test runs at a known instant: Monday 7 December 2026, 10:00 Beijing time (a working day,
# inside working hours), ticking on from there. No test depends on the hour it runs at or on
# the machine's time zone; a test that needs another moment pins its own (``at``).
PINNED = datetime.fromisoformat("2026-12-07T10:00:00+08:00")


@pytest.fixture(autouse=True)
def pinned_clock():
    with clock.use(clock.PinnedClock(PINNED)) as pinned:
        yield pinned


@pytest.fixture
def at():
    """``at("2026-12-08T01:30+08:00")`` moves the clock to that instant for the rest of the test."""
    def move(when: str) -> clock.PinnedClock:
        pinned = clock.PinnedClock(datetime.fromisoformat(when))
        clock.set_clock(pinned)
        return pinned
    return move


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def home(tmp_path: Path, backend: str, monkeypatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("OWNERGUARD_HOME", str(h))
    monkeypatch.delenv("OWNERGUARD_MASTER_KEY", raising=False)
    monkeypatch.delenv("OWNERGUARD_KMS_PROVIDER", raising=False)
    if backend == "postgresql":
        schema = "og_" + uuid.uuid4().hex[:12]
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        monkeypatch.setenv("OWNERGUARD_DATABASE_URL", _pg_schema_url(schema))
        yield _init(h)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    else:
        monkeypatch.delenv("OWNERGUARD_DATABASE_URL", raising=False)
        yield _init(h)


def _init(h: Path) -> Path:
    init_home(h)
    return h


@pytest.fixture
def rt(home: Path) -> Runtime:
    runtime = open_runtime(home)
    yield runtime
    runtime.close()


@pytest.fixture
def sample_sheet() -> Path:
    if not SAMPLE_SHEET.exists():
        pytest.skip("shared/data/sample-owners-hc.xlsx not present")
    return SAMPLE_SHEET
