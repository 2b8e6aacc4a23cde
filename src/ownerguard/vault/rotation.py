"""Master-key rotation: re-wrap every data key and index secret under the current version.

Online and resumable: it works in batches, each its own short transaction, and picks only rows
still wrapped under an older version, so readers are never blocked for long and a run that is
interrupted simply continues where it stopped. Values are never decrypted — only the 32-byte keys
are unwrapped and wrapped again.

Per-person rotation (``rotate_persons``) is the other kind: every person gets a new data key
*version*, and every ciphertext of theirs (``persons`` columns and ``vehicles``) is opened with
the old key and sealed again under the new one — the associated data names the key version, so
an old ciphertext cannot pass for a new one. One batch of persons per transaction: ciphertexts,
``key_version`` columns and the wrapped key change together, so a reader sees either the old
or the new version of a person, never a mix. Both rotations refuse to run while the key file is
readable or writable by every user.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, bindparam, func, select, update

from ownerguard.errors import Conflict
from ownerguard.store.tables import (
    audit_log,
    company_keys,
    person_keys,
    persons,
    system_keys,
    vehicles,
)
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, AuditLog
from ownerguard.vault.datakeys import DataKeys, company_key_context, person_key_context
from ownerguard.vault.keys import KeyFile, MasterKey
from ownerguard.vault.sealing import PersonKey


class Runtime(Protocol):
    """What a rotation needs of the running service (``services.runtime.Runtime`` is one)."""

    master: MasterKey
    keys: DataKeys
    audit: AuditLog

    def uow(self, *, read_only: bool = False) -> UnitOfWork: ...

BATCH = 2000


@dataclass
class RotationResult:
    new_version: int | None
    person_keys: int
    company_keys: int


def pending(rt: Runtime) -> int:
    current = rt.master.current_version()
    with rt.uow(read_only=True) as uow:
        return uow.conn.execute(select(func.count()).select_from(person_keys).where(
            person_keys.c.master_version != current)).scalar_one() + \
            uow.conn.execute(select(func.count()).select_from(company_keys).where(
                company_keys.c.master_version != current)).scalar_one()


def rotate(rt: Runtime, *, actor: str, new_version: bool = True,
           progress: Callable[[int, int], None] | None = None) -> RotationResult:
    """Create a new master-key version (unless ``new_version`` is False: resume) and re-wrap."""
    check_key_file(rt)
    created = rt.master.rotate() if new_version else None
    current = rt.master.current_version()
    total = pending(rt)
    done = 0
    with rt.uow() as uow:
        n_company = 0
        for row in uow.conn.execute(select(company_keys).where(
                company_keys.c.master_version != current)).all():
            ctx = company_key_context(row.company_id)
            secret = rt.master.unwrap(row.master_version, row.wrapped, ctx)
            version, wrapped = rt.master.wrap(secret, ctx)
            uow.conn.execute(update(company_keys).where(
                company_keys.c.company_id == row.company_id).values(
                master_version=version, wrapped=wrapped))
            n_company += 1
        for row in uow.conn.execute(select(system_keys).where(
                system_keys.c.master_version != current)).all():
            ctx = f"system|{row.name}".encode()
            secret = rt.master.unwrap(row.master_version, row.wrapped, ctx)
            version, wrapped = rt.master.wrap(secret, ctx)
            uow.conn.execute(update(system_keys).where(system_keys.c.name == row.name).values(
                master_version=version, wrapped=wrapped))
        uow.commit()
    done += n_company
    n_person = 0
    while True:
        with rt.uow() as uow:
            batch = uow.conn.execute(select(person_keys).where(
                person_keys.c.master_version != current).limit(BATCH)).all()
            if not batch:
                break
            params = []
            for row in batch:
                ctx = person_key_context(row.person_id, row.key_version)
                key = rt.master.unwrap(row.master_version, row.wrapped, ctx)
                version, wrapped = rt.master.wrap(key, ctx)
                params.append({"pid": row.person_id, "old": row.master_version,
                               "v": version, "w": wrapped})
            # Guard on the old version: a concurrent rotation or shred wins cleanly.
            uow.conn.execute(update(person_keys).where(
                person_keys.c.person_id == bindparam("pid"),
                person_keys.c.master_version == bindparam("old")).values(
                master_version=bindparam("v"), wrapped=bindparam("w")), params)
            uow.commit()
        n_person += len(batch)
        done += len(batch)
        if progress:
            progress(done, total)
    with rt.uow() as uow:
        rt.audit.append(uow.conn, "system", "", [AuditEvent(
            actor=actor, role="operator", action="key_rotate", outcome="done",
            reason=f"master_version:{current}", fields=())])
        uow.commit()
    return RotationResult(created, n_person, n_company)


# -- key-file check ----------------------------------------------------------------------------
def check_key_file(rt: Runtime) -> None:
    """Refuse to rotate while the key file is readable or writable by every user.

    Loading the key checks this too, but a long-running process may have loaded it before
    someone loosened the mode; a rotation writes the file (master) or relies on it for every
    key it wraps (persons), so it checks again. ``KeyFileInsecure`` names the file and the fix.
    """
    source = getattr(rt.master, "_source", None)
    if isinstance(source, KeyFile) and source.exists():
        source.check_permissions()


# -- per-person data keys ----------------------------------------------------------------------
PERSON_BATCH = 200
PERSON_ACTION = "person_key_rotate"
PAUSE_ENV = "OWNERGUARD_TEST_BATCH_PAUSE"     # test hook: seconds to pause after each batch
_PERSON_CT = tuple(c.name for c in persons.c if c.name.endswith("_ct"))
_VEHICLE_CT = tuple(c.name for c in vehicles.c if c.name.endswith("_ct"))


class NothingToResume(Conflict):
    """``keys rotate-persons --resume`` with no unfinished run (the command line catches it)."""


@dataclass
class PersonRotationResult:
    key_version: int
    persons: int
    resumed: bool


def _unfinished_target(conn: Connection) -> int | None:
    """The key version of the last per-person rotation, if it never finished.

    The run's own audit entries are its state: a ``started`` entry names the target version and
    a ``done`` entry closes it. Kept in the append-only log, nothing else can lose it."""
    row = conn.execute(select(audit_log.c.outcome, audit_log.c.reason).where(
        audit_log.c.chain == "system", audit_log.c.action == PERSON_ACTION,
        audit_log.c.outcome.in_(("started", "done"))).order_by(audit_log.c.seq.desc())
        .limit(1)).first()
    if row is None or row.outcome != "started":
        return None
    return int(row.reason.rpartition(":")[2])


def _audit_person_rotation(rt: Runtime, conn: Connection, actor: str, outcome: str,
                           target: int, fields: tuple[str, ...] = ()) -> None:
    rt.audit.append(conn, "system", "", [AuditEvent(
        actor=actor, role="operator", action=PERSON_ACTION, fields=fields, outcome=outcome,
        reason=f"key_version:{target}")])


def pending_persons(rt: Runtime, target: int) -> int:
    with rt.uow(read_only=True) as uow:
        return uow.conn.execute(select(func.count()).select_from(person_keys).where(
            person_keys.c.key_version < target)).scalar_one()


def _reseal(old: PersonKey, new: PersonKey, table: str, columns: tuple[str, ...], row) -> dict:
    out = {}
    for col in columns:
        sealed = getattr(row, col)
        if sealed is None:
            continue
        # The clear value lives only in this frame; DecryptionFailed names the place only.
        out[col] = new.seal(table, col, row.id, old.open(table, col, row.id, row.key_version,
                                                         sealed))
    return out


def _rotate_person(rt: Runtime, conn: Connection, key_row, target: int) -> None:
    old = rt.keys.unwrap_person_key(key_row)
    fresh = os.urandom(32)
    pid = key_row.person_id
    new = PersonKey(pid, target, AESGCM(fresh))
    person = conn.execute(select(persons).where(persons.c.id == pid)).one()
    conn.execute(update(persons).where(persons.c.id == pid).values(
        key_version=target, **_reseal(old, new, "persons", _PERSON_CT, person)))
    for car in conn.execute(select(vehicles).where(vehicles.c.person_id == pid)).all():
        conn.execute(update(vehicles).where(vehicles.c.id == car.id).values(
            key_version=target, **_reseal(old, new, "vehicles", _VEHICLE_CT, car)))
    master_version, wrapped = rt.master.wrap(fresh, person_key_context(pid, target))
    # Guarded on the old version: a shred in between wins (nothing to update, and the
    # re-sealed values above are noise without a key).
    conn.execute(update(person_keys).where(
        person_keys.c.person_id == pid, person_keys.c.key_version == key_row.key_version)
        .values(key_version=target, master_version=master_version, wrapped=wrapped))


def rotate_persons(rt: Runtime, *, actor: str, resume: bool = False, batch: int = PERSON_BATCH,
                   progress: Callable[[int, int], None] | None = None) -> PersonRotationResult:
    """Give every person a new data key version and re-seal their values under it.

    Without ``resume`` a new target version (one above the highest in use) is chosen and every
    person below it is rotated; with ``resume`` the target of the unfinished run is taken from
    the audit log and only persons still below it are done."""
    check_key_file(rt)
    with rt.uow() as uow:
        target = _unfinished_target(uow.conn)
        if resume and target is None:
            raise NothingToResume("nothing_to_resume")
        if not resume:
            top = uow.conn.execute(select(func.max(person_keys.c.key_version))).scalar()
            target = max(top or 0, target or 0) + 1
            _audit_person_rotation(rt, uow.conn, actor, "started", target)
        uow.commit()
    assert target is not None
    total = pending_persons(rt, target)
    done = 0
    while True:
        with rt.uow() as uow:
            conn = uow.conn
            if conn.dialect.name == "postgresql":
                # PostgreSQL reads at READ COMMITTED: the gate reads a person's row, then their
                # key, in two statements. Holding the persons table exclusively for this short
                # batch means a reader either finished before it (the lock waits for it) or
                # reads the row after the commit, key included — never old row + new key.
                conn.exec_driver_sql("LOCK TABLE persons IN ACCESS EXCLUSIVE MODE")
            rows = conn.execute(select(person_keys).where(person_keys.c.key_version < target)
                                .order_by(person_keys.c.person_id).limit(batch)).all()
            if not rows:
                break
            for row in rows:
                _rotate_person(rt, conn, row, target)
            _audit_person_rotation(rt, conn, actor, "batch", target,
                                   (f"persons:{len(rows)}",))
            uow.commit()
        done += len(rows)
        if progress:
            progress(done, max(total, done))
        if os.environ.get(PAUSE_ENV):
            time.sleep(float(os.environ[PAUSE_ENV]))
    with rt.uow() as uow:
        _audit_person_rotation(rt, uow.conn, actor, "done", target)
        uow.commit()
    return PersonRotationResult(target, done, resume)
