"""Recording consent and its withdrawal (L4): one action either way, a receipt each time, and
effective at once — the gate reads the latest record on every read for a consent-based purpose.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import insert, select

from ..domain.consent import NOTICE_VERSION, consent_items
from ..domain.model import new_id
from ..store.tables import consents
from ..store.uow import UnitOfWork
from ..vault.audit import AuditEvent
from . import clock
from .errors import UserError
from .runtime import Runtime


class ConsentError(UserError):
    pass


@dataclass(frozen=True)
class Receipt:
    kind: str
    target: str
    granted: bool
    at: str
    receipt: str


def current(uow: UnitOfWork, person_id: str) -> dict[tuple[str, str], bool]:
    """(kind, target) → granted, from the latest record of each."""
    out: dict[tuple[str, str], bool] = {}
    for r in uow.conn.execute(select(consents).where(consents.c.person_id == person_id)
                              .order_by(consents.c.at, consents.c.id)):
        out[(r.kind, r.target)] = r.granted
    return out


def set_consent(rt: Runtime, uow: UnitOfWork, *, company_id: str, person_id: str, kind: str,
                target: str, granted: bool, notice_version: str, actor: str,
                client: str = "") -> Receipt:
    known = {(i.kind, i.target) for i in consent_items()}
    if (kind, target) not in known:
        raise ConsentError("unknown_consent", "没有这一项可同意的内容", "nothing to consent to there")
    if granted and notice_version != NOTICE_VERSION:
        # Consent must be informed by the notice in force (L3, L4).
        raise ConsentError("notice_changed", "隐私告知已更新，请先阅读最新版本后再同意",
                           "the privacy notice changed; read the current version first")
    at = clock.now()
    rid = new_id()
    receipt = hashlib.sha256(f"{rid}|{person_id}|{kind}|{target}|{granted}|{notice_version}|"
                             f"{at.isoformat()}".encode()).hexdigest()
    uow.conn.execute(insert(consents).values(
        id=rid, company_id=company_id, person_id=person_id, kind=kind, target=target,
        granted=granted, notice_version=notice_version, actor=actor, at=at, receipt=receipt))
    rt.audit.append(uow.conn, f"company:{company_id}", company_id, [AuditEvent(
        actor=actor, role="owner", action="consent", subject=person_id, fields=(target,),
        outcome="granted" if granted else "withdrawn", reason=kind, client=client[:80])])
    return Receipt(kind, target, granted, at.isoformat(), receipt)
