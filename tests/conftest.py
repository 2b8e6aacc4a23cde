"""Fixtures: a fresh OwnerGuard home per test, on SQLite always and — for tests whose subject is
the database (marked ``postgres``) — on PostgreSQL too when ``OWNERGUARD_TEST_DATABASE_URL`` is
set (each such test gets its own schema).

Speed without cutting corners:
- migrations run once per test process: a template home (SQLite file, key file, settings) is
  made with ``init_home`` and copied for each test; on PostgreSQL each test's schema is created
  from the tables' DDL, which ``vault/test_keys_and_schema.py`` proves equal to the migrations
  (that test itself runs the real migrations on both backends);
- test homes hash staff passwords with cheap argon2 parameters from ``[security]`` (production
  defaults are untouched: they are argon2-cffi's own);
- the clock is pinned (below).
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.schema import CreateIndex, CreateTable

from ownerguard import clock
from ownerguard.services.home import init_home
from ownerguard.services.runtime import Runtime, open_runtime
from ownerguard.store import migrate
from ownerguard.store.tables import metadata
from support.hc_sheet import HcSheet, write_hc_sheet

PG_URL = os.environ.get("OWNERGUARD_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# Cheap hashing for test homes only (RFC 9106 parameters cost ~0.1 s per hash and the suite
# signs in thousands of times). Settings, not a monkeypatch: the CLI and the server read the
# same home and agree.
TEST_SETTINGS = """
[security]
argon2_time_cost = 1
argon2_memory_kib = 8
argon2_parallelism = 1
"""

# Every test runs at a known instant: Monday 7 December 2026, 10:00 Beijing time (a working day,
# inside working hours), ticking on from there. No test depends on the hour it runs at or on
# the machine's time zone; a test that needs another moment pins its own (``at``).
PINNED = datetime.fromisoformat("2026-12-07T10:00:00+08:00")


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: the subject is the database; runs on "
                                       "PostgreSQL too when OWNERGUARD_TEST_DATABASE_URL is set")
    config.addinivalue_line("markers", "slow: subprocesses, browsers or large inputs "
                                       "(deselect with -m 'not slow' while iterating)")


def pytest_report_header(config):
    return ("databases: SQLite and PostgreSQL" if PG_URL else
            "databases: SQLite only (set OWNERGUARD_TEST_DATABASE_URL for PostgreSQL, as CI does)")


# No silent skips: a test that cannot run here fails the run instead of quietly passing it by.
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED:
        terminalreporter.write_line(
            f"{len(_SKIPPED)} test(s) skipped; the suite allows none: " + ", ".join(_SKIPPED[:5]),
            red=True)


def pytest_generate_tests(metafunc):
    """``backend`` is SQLite for every test, and PostgreSQL as well for ``postgres`` tests."""
    explicit = any("backend" in m.args[0] for m in metafunc.definition.iter_markers("parametrize"))
    if "backend" in metafunc.fixturenames and not explicit:
        both = metafunc.definition.get_closest_marker("postgres") is not None
        metafunc.parametrize("backend", BACKENDS if both else ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def pinned_clock():
    with clock.use(clock.PinnedClock(PINNED)) as pinned:
        yield pinned


@pytest.fixture
def at():
    """``at("2026-12-08T01:30+08:00")`` moves the clock to that instant for the rest of the
    test (request it before fixtures that should see the new time)."""
    def move(when: str) -> clock.PinnedClock:
        pinned = clock.PinnedClock(datetime.fromisoformat(when))
        clock.set_clock(pinned)
        return pinned
    return move


@pytest.fixture
def backend(request) -> str:
    return request.param


# -- templates, made once per test process ---------------------------------------------------------

@pytest.fixture(scope="session")
def _template_home(tmp_path_factory) -> Path:
    """A home made by the real ``init_home`` (key file, settings, migrated SQLite database)."""
    h = tmp_path_factory.mktemp("template") / "home"
    h.mkdir()
    (h / "settings.toml").write_text(TEST_SETTINGS, encoding="utf-8")
    saved = {k: os.environ.pop(k, None) for k in ("OWNERGUARD_DATABASE_URL",
                                                   "OWNERGUARD_MASTER_KEY",
                                                   "OWNERGUARD_KMS_PROVIDER")}
    try:
        init_home(h)
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    return h


@pytest.fixture(scope="session")
def _pg_schemas():
    """Creates a schema per test from the tables' DDL; drops them all when the process ends."""
    if not PG_URL:
        yield None
        return
    admin = create_engine(PG_URL + ("&" if "?" in PG_URL else "?")
                          + "options=-csynchronous_commit%3Doff")
    ddl = []
    for table in metadata.sorted_tables:
        ddl.append(str(CreateTable(table).compile(dialect=admin.dialect)).strip())
        ddl.extend(str(CreateIndex(ix).compile(dialect=admin.dialect)).strip()
                   for ix in table.indexes)
    script = ";\n".join(ddl) + (
        ";\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));\n"
        f"INSERT INTO alembic_version VALUES ('{migrate.head_revision()}')")
    made: list[str] = []

    def create() -> str:
        schema = "og_" + uuid.uuid4().hex[:12]
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}; SET LOCAL search_path TO {schema};\n"
                                 + script)
        made.append(schema)
        return schema

    yield create
    for schema in made:          # one transaction each: a schema's drop takes a lock per object
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    admin.dispose()


def pg_schema_url(schema: str) -> str:
    assert PG_URL
    sep = "&" if "?" in PG_URL else "?"
    # Durability across a crash of the database server is PostgreSQL's, not ours to test;
    # commits still happen, in order, and every reader sees them.
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


@pytest.fixture
def home(tmp_path: Path, backend: str, monkeypatch, _template_home, _pg_schemas) -> Path:
    h = tmp_path / "home"
    shutil.copytree(_template_home, h, ignore=shutil.ignore_patterns(
        *(("ownerguard.db*",) if backend == "postgresql" else ())))
    monkeypatch.setenv("OWNERGUARD_HOME", str(h))
    monkeypatch.delenv("OWNERGUARD_MASTER_KEY", raising=False)
    monkeypatch.delenv("OWNERGUARD_KMS_PROVIDER", raising=False)
    if backend == "postgresql":
        monkeypatch.setenv("OWNERGUARD_DATABASE_URL", pg_schema_url(_pg_schemas()))
    else:
        monkeypatch.delenv("OWNERGUARD_DATABASE_URL", raising=False)
    return h


@pytest.fixture(scope="session")
def hc_sheet(tmp_path_factory) -> HcSheet:
    """An owner sheet in HC's 资产信息 layout (generated; see ``support.hc_sheet``)."""
    return write_hc_sheet(tmp_path_factory.mktemp("sheets") / "业主信息-HC.xlsx")


@pytest.fixture
def sample_sheet(hc_sheet: HcSheet) -> Path:
    return hc_sheet.path


@pytest.fixture
def rt(home: Path) -> Runtime:
    runtime = open_runtime(home)
    yield runtime
    runtime.close()
