"""Master-key rotation (online, resumable) and schema migrations."""

from __future__ import annotations

import json
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from typer.testing import CliRunner

from ownerguard.cli.main import app
from ownerguard.services.demo import create_demo
from ownerguard.services.runtime import open_runtime
from ownerguard.store import migrate
from ownerguard.store.tables import company_keys, metadata, person_keys, persons
from ownerguard.vault.policy import Outcome
from ownerguard.vault.rotation import pending, rotate
from support.helpers import ctx

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres


def _ids(rt):
    with rt.uow(read_only=True) as uow:
        return [r.id for r in uow.conn.execute(select(persons.c.id))]


def test_rotation_rewraps_everything_and_values_stay_readable(rt, home):
    demo = create_demo(rt, rooms=40, community="翠湖苑", actor="t")
    with rt.uow(read_only=True) as uow:
        company_id = uow.conn.execute(select(company_keys.c.company_id)).scalar_one()
    ids = _ids(rt)

    def read_all():
        with rt.uow() as uow:
            views = rt.gate.read(uow, ctx(company_id), ids, ["name", "phone"],
                                 reveal=["phone"])
            uow.commit()
        return {v.person_id: v.value("phone") for v in views}

    before = read_all()
    result = rotate(rt, actor="t")
    assert result.new_version == 2 and result.person_keys == demo.counts.persons
    assert result.company_keys == 1
    assert pending(rt) == 0
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(func.min(person_keys.c.master_version))).scalar() == 2
    assert read_all() == before
    # A second process that loaded the key file before the rotation still reads.
    fresh = open_runtime(home)
    try:
        with fresh.uow() as uow:
            v = fresh.gate.read(uow, ctx(company_id), ids[:1], ["phone"], reveal=["phone"])
        assert v[0].fields["phone"].outcome is Outcome.CLEAR
    finally:
        fresh.close()


def test_rotation_under_concurrent_reads_loses_nothing(rt, home):
    create_demo(rt, rooms=60, community="翠湖苑", actor="t")
    with rt.uow(read_only=True) as uow:
        company_id = uow.conn.execute(select(company_keys.c.company_id)).scalar_one()
    ids = _ids(rt)
    errors: list[BaseException] = []
    reads = 0
    stop = threading.Event()

    def reader():
        nonlocal reads
        while not stop.is_set():
            try:
                with rt.uow() as uow:
                    views = rt.gate.read(uow, ctx(company_id), ids[reads % len(ids):][:5],
                                         ["name"])
                    uow.commit()
                assert all(v.fields["name"].outcome is Outcome.MASKED for v in views)
                reads += 1
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    t = threading.Thread(target=reader)
    t.start()
    try:
        import ownerguard.vault.rotation as kr

        kr.BATCH, old = 7, kr.BATCH     # many small batches interleave with the reader
        try:
            rotate(rt, actor="t")
        finally:
            kr.BATCH = old
    finally:
        stop.set()
        t.join()
    assert not errors, errors[0]
    assert reads > 0 and pending(rt) == 0


def test_resume_finishes_an_interrupted_rotation(rt, home):
    create_demo(rt, rooms=20, community="翠湖苑", actor="t")
    rt.master.rotate()                 # new version, nothing re-wrapped yet: "interrupted"
    assert pending(rt) > 0
    out = CliRunner().invoke(app, ["keys", "rotate", "--resume"])
    assert out.exit_code == 0, out.output
    assert pending(rt) == 0


def test_cli_rotate(rt, home):
    create_demo(rt, rooms=10, community="翠湖苑", actor="t")
    out = CliRunner().invoke(app, ["keys", "rotate"])
    assert out.exit_code == 0 and "2" in out.output
    assert json.loads(CliRunner().invoke(app, ["audit", "verify", "--json"]).stdout)["ok"]


def test_migrations_match_the_tables(rt):
    assert migrate.current_revision(rt.engine) == migrate.head_revision()
    with rt.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
