"""Reading the audit log for people (it holds no personal values, only ids and codes)."""

from __future__ import annotations

from sqlalchemy import select

from ownerguard.store.tables import audit_log
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import COLUMNS


def latest(uow: UnitOfWork, n: int = 20) -> list[dict]:
    rows = uow.conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(n)).all()
    return [{c: getattr(r, c) for c in COLUMNS} for r in reversed(rows)]


def for_subject(uow: UnitOfWork, person_id: str) -> list[dict]:
    rows = uow.conn.execute(select(audit_log).where(audit_log.c.subject == person_id)
                            .order_by(audit_log.c.id)).all()
    return [{c: getattr(r, c) for c in COLUMNS} for r in rows]


def search(uow: UnitOfWork, company_id: str, *, person_id: str | None = None,
           actor: str | None = None, since: str | None = None, limit: int = 200) -> list[dict]:
    """A company's audit entries, newest first, filtered in the database."""
    q = select(audit_log).where(audit_log.c.company_id == company_id)
    if person_id:
        q = q.where(audit_log.c.subject == person_id)
    if actor:
        q = q.where(audit_log.c.actor == actor)
    if since:
        q = q.where(audit_log.c.ts >= since)
    rows = uow.conn.execute(q.order_by(audit_log.c.id.desc()).limit(limit)).all()
    return [{c: getattr(r, c) for c in COLUMNS} | {"hash": r.hash} for r in rows]
