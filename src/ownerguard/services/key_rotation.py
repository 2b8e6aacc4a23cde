"""Master-key rotation: re-wrap every data key and index secret under the current version.

Online and resumable: it works in batches, each its own short transaction, and picks only rows
still wrapped under an older version, so readers are never blocked for long and a run that is
interrupted simply continues where it stopped. Values are never decrypted — only the 32-byte keys
are unwrapped and wrapped again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update

from ..store.tables import company_keys, person_keys, system_keys
from ..vault.audit import AuditEvent
from ..vault.datakeys import company_key_context, person_key_context
from .runtime import Runtime

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
