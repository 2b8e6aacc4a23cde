"""Recording consent and its withdrawal (L4): one action either way, a receipt each time, and
effective at once — the gate reads the latest record on every read for a consent-based purpose.

Everyone consents for themselves — household members and tenants sign in with their own phone.
A child under 14 cannot: their guardian (an owner of the room they live in) consents for them
(PIPL 31, L6); from 14 the minor decides alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from ownerguard import clock
from ownerguard.domain.consent import NOTICE_VERSION, ConsentItem, consent_items
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.model import age_on, new_id
from ownerguard.domain.purposes import PURPOSES
from ownerguard.errors import Conflict, NotFound, Problem
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import consents, persons, residencies
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault import consents as consents_now
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.consents import recipient_target
from ownerguard.vault.policy import AccessContext

GUARDIAN_AGE = 14
GUARDIAN_ROLES = ("owner", "co_owner")


class ConsentError(Problem):
    """A consent that cannot be recorded (the API and the portal catch it), raised as one of
    the kinds below."""


class ConsentNotFound(ConsentError, NotFound):
    pass


class ConsentConflict(ConsentError, Conflict):
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
    return consents_now.current(uow.conn, person_id)


def set_consent(rt: Runtime, uow: UnitOfWork, *, company_id: str, person_id: str, kind: str,
                target: str, granted: bool, notice_version: str, actor: str,
                client: str = "") -> Receipt:
    known = {(i.kind, i.target) for i in items_for(uow, company_id)}
    if (kind, target) not in known:
        raise ConsentNotFound("unknown_consent")
    if granted and notice_version != NOTICE_VERSION:
        # Consent must be informed by the notice in force (L3, L4).
        raise ConsentConflict("notice_changed")
    at = clock.now()
    rid = new_id()
    receipt = hashlib.sha256(f"{rid}|{person_id}|{kind}|{target}|{granted}|{notice_version}|"
                             f"{at.isoformat()}".encode()).hexdigest()
    uow.conn.execute(insert(consents).values(
        id=rid, company_id=company_id, person_id=person_id, kind=kind, target=target,
        granted=granted, notice_version=notice_version, actor=actor, at=at, receipt=receipt))
    rt.audit.append(uow.conn, company_chain(company_id), company_id, [AuditEvent(
        actor=actor, role="owner", action="consent", subject=person_id, fields=(target,),
        outcome="granted" if granted else "withdrawn", reason=kind, client=client[:80])])
    return Receipt(kind, target, granted, at.isoformat(), receipt)


def wards(rt: Runtime, uow: UnitOfWork, session) -> list[tuple[str, str]]:
    """(company, person) of the children under 14 living in a room the signed-in person owns.

    The minor flag is kept in clear; the exact age needs the birth date, read through the gate
    as the guardian (audited). A minor whose birth date is unknown is treated as under 14: the
    cautious reading, since then nobody else could consent for them.
    """
    mine = session.person_ids
    if not mine:
        return []
    rooms = [r.room_id for r in uow.conn.execute(select(residencies.c.room_id).where(
        residencies.c.person_id.in_(mine), residencies.c.role.in_(GUARDIAN_ROLES)))]
    if not rooms:
        return []
    kids = uow.conn.execute(select(persons.c.id, persons.c.company_id).distinct().join(
        residencies, residencies.c.person_id == persons.c.id).where(
        residencies.c.room_id.in_(rooms), persons.c.is_minor.is_(True),
        persons.c.state == "active", persons.c.id.not_in(mine))).all()
    if not kids:
        return []
    from ownerguard import clock

    today = clock.today()
    out = []
    for company_id in sorted({k.company_id for k in kids}):
        ids = sorted(k.id for k in kids if k.company_id == company_id)
        for view in rt.gate.read(uow, AccessContext.for_owner(session.actor, company_id), ids, ("birth_date",),
                                 reveal=("birth_date",), action="guardian_check"):
            raw = view.fields["birth_date"].value
            try:
                under = raw is None or age_on(date.fromisoformat(str(raw)), today) < GUARDIAN_AGE
            except ValueError:
                under = True
            if under:
                out.append((company_id, view.person_id))
    return out


def items_for(uow: UnitOfWork, company_id: str) -> list[ConsentItem]:
    """What a person of this company can consent to: the consent-based purposes, face entry,
    and — separately for each recipient and purpose (L5) — every partner the company provides
    data to under a live agreement."""
    from ownerguard.services.sharing import partners

    out = consent_items()
    for partner, agreement in partners.recipients(uow, company_id):
        for purpose in agreement.purposes:
            label = PURPOSES[purpose].label_zh if purpose in PURPOSES else purpose
            fields = "、".join(CATALOGUE[f].label_zh for f in agreement.fields if f in CATALOGUE)
            out.append(ConsentItem(
                "recipient", recipient_target(partner.id, purpose),
                f"向“{partner.name}”提供（{label}）",
                f"单独同意（个保法第23条）：{partner.name}（{partners.KINDS.get(partner.kind, '')}）"
                f"将获得您的{fields}，仅用于{label}，最长保存{agreement.retention_days}天，"
                f"到期删除；电话号码以专属隐私号代替。不同意不影响任何物业服务。"))
    return out
