"""kill -9 in the middle of a purge or a per-person key rotation leaves a consistent database,
and a re-run completes; rotation under concurrent reads loses none (issue 7).

The subprocess inherits the fixture's environment (``OWNERGUARD_HOME`` and, on PostgreSQL,
``OWNERGUARD_DATABASE_URL`` with the test's schema), so both backends are exercised: SQLite's
all-or-nothing commit and PostgreSQL's, and on PostgreSQL the table lock that keeps readers
from seeing a person's row and key from two different versions. ``OWNERGUARD_TEST_BATCH_PAUSE``
slows the run down between batches so the kill lands mid-run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select, update

from ownerguard.services.demo import create_demo
from ownerguard.services.lifecycle import retention
from ownerguard.services.runtime import open_runtime
from ownerguard.store.tables import (
    blind_index,
    company_keys,
    consents,
    person_keys,
    persons,
    residencies,
    vehicles,
)
from ownerguard.vault import rotation as key_rotation
from ownerguard.vault.audit_verify import verify
from ownerguard.vault.crypto import open_sealed
from support.helpers import ctx

PERSON_CT = [c.name for c in persons.c if c.name.endswith("_ct")]
VEHICLE_CT = [c.name for c in vehicles.c if c.name.endswith("_ct")]

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

PURGE = """
from ownerguard.services.runtime import open_runtime
from ownerguard.services.lifecycle import retention
rt = open_runtime()
retention.run(rt, categories=["moved_out"],
              progress=lambda c, d, t: print("P", d, t, flush=True))
print("DONE", flush=True)
"""

ROTATE = """
from ownerguard.services.runtime import open_runtime
from ownerguard.vault import rotation as key_rotation

rt = open_runtime()
key_rotation.rotate_persons(rt, actor="test:kill", batch=5,
                            progress=lambda d, t: print("P", d, t, flush=True))
print("DONE", flush=True)
"""


def _world(rt, home, rooms=25):
    create_demo(rt, rooms=rooms, community="翠湖苑", actor="t", with_staff=False)
    with open(home / "settings.toml", "a", encoding="utf-8") as f:
        f.write("\n[retention]\nbatch_size = 5\n")
    with rt.uow(read_only=True) as uow:
        company_id = uow.conn.execute(select(company_keys.c.company_id)).scalar_one()
        ids = [r.id for r in uow.conn.execute(select(persons.c.id).order_by(persons.c.id))]
    return company_id, ids


def _read(rt, company_id, ids):
    with rt.uow() as uow:
        views = rt.gate.read(uow, ctx(company_id), ids, ["name", "phone", "plate"],
                             reveal=["name", "phone", "plate"])
        uow.commit()
    return {v.person_id: (v.fields["name"].outcome.value, v.value("name"), v.value("phone"),
                          v.value("plate")) for v in views}


def _kill_after(script: str, progress_lines: int, delay: float, pause: float) -> str:
    env = dict(os.environ, OWNERGUARD_TEST_BATCH_PAUSE=str(pause))
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = 0
    try:
        while seen < progress_lines:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            assert not line.startswith("DONE"), "finished before it could be killed"
            seen += line.startswith("P ")
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return proc.stdout.read()


def _consistent(rt, ids) -> dict[str, int]:
    """Every person is intact (key present, every ciphertext opens with it at the version
    stored beside it), crypto-shredded awaiting deletion (no key, no digests), or purged (no
    row anywhere); the audit log verifies. Returns how many of each."""
    states = {"intact": 0, "shredded": 0, "purged": 0}
    with rt.uow(read_only=True) as uow:
        c = uow.conn
        keys = {r.person_id: r for r in c.execute(select(person_keys))}
        rows = {r.id: r for r in c.execute(select(persons))}
        for pid in ids:
            row = rows.get(pid)
            if row is None:
                for t in (residencies, vehicles, blind_index, person_keys, consents):
                    assert c.execute(select(func.count()).select_from(t).where(
                        t.c.person_id == pid)).scalar_one() == 0, (t.name, pid)
                states["purged"] += 1
            elif row.state == "shredded":
                assert pid not in keys
                assert c.execute(select(func.count()).select_from(blind_index).where(
                    blind_index.c.person_id == pid)).scalar_one() == 0
                states["shredded"] += 1
            else:
                k = keys[pid]
                assert k.key_version == row.key_version, pid
                cipher = rt.keys.unwrap_person_key(k).aead
                for col in PERSON_CT:
                    open_sealed(cipher, "persons", col, pid, row.key_version, getattr(row, col))
                for car in c.execute(select(vehicles).where(vehicles.c.person_id == pid)):
                    assert car.key_version == row.key_version
                    for col in VEHICLE_CT:
                        open_sealed(cipher, "vehicles", col, car.id, car.key_version,
                                    getattr(car, col))
                states["intact"] += 1
        result = verify(c)
        assert result.ok, result.first_bad
    return states


def test_kill_during_purge_leaves_a_consistent_database_and_a_rerun_completes(rt, home):
    company_id, ids = _world(rt, home)
    with rt.uow() as uow:
        uow.conn.execute(update(residencies).values(end_date=date(2020, 1, 1)))
        uow.commit()
    # Killed in the pause between a batch's shred and its deletion (0.2 s after the previous
    # batch's progress line, pause 0.3 s): some persons purged, some shredded, most intact.
    _kill_after(PURGE, progress_lines=2, delay=0.45, pause=0.3)
    states = _consistent(rt, ids)
    assert states["purged"] >= 10 and states["intact"] > 0, states
    fresh = open_runtime(home)
    try:
        result = retention.run(fresh, categories=["moved_out"])
        assert result.categories["moved_out"].purged == len(ids) - states["purged"]
        assert _consistent(fresh, ids) == {"intact": 0, "shredded": 0, "purged": len(ids)}
    finally:
        fresh.close()


def test_kill_during_person_rotation_leaves_every_person_readable_and_resume_completes(rt, home):
    company_id, ids = _world(rt, home)
    before = _read(rt, company_id, ids)
    _kill_after(ROTATE, progress_lines=2, delay=0.1, pause=0.3)
    states = _consistent(rt, ids)
    assert states["intact"] == len(ids)
    with rt.uow(read_only=True) as uow:
        versions = [r[0] for r in uow.conn.execute(select(person_keys.c.key_version))]
    assert versions.count(2) >= 10 and versions.count(1) > 0      # really interrupted
    assert _read(rt, company_id, ids) == before
    fresh = open_runtime(home)
    try:
        result = key_rotation.rotate_persons(fresh, actor="t", resume=True)
        assert result.key_version == 2 and result.persons == versions.count(1)
        assert _consistent(fresh, ids)["intact"] == len(ids)
        assert _read(fresh, company_id, ids) == before
    finally:
        fresh.close()


def test_person_rotation_under_concurrent_reads_loses_none(rt, home):
    company_id, ids = _world(rt, home, rooms=20)
    sample = ids[::3]
    before = _read(rt, company_id, sample)
    assert all(v[0] == "clear" for v in before.values())
    stop = threading.Event()
    problems: list[str] = []
    reads = [0]

    def reader():
        while not stop.is_set():
            try:
                got = _read(rt, company_id, sample)
            except Exception as exc:          # noqa: BLE001 - any failure is a lost read
                problems.append(type(exc).__name__)
                continue
            if got != before:
                problems.append("mismatch")
            reads[0] += 1

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(2):
            key_rotation.rotate_persons(rt, actor="t", batch=5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert problems == [] and reads[0] > 0
    assert _consistent(rt, ids)["intact"] == len(ids)
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(func.min(person_keys.c.key_version))).scalar() == 3
