"""The partner registry: who the company gives personal data to, on what footing (L5, L19, L20).

A partner is a company (驿站/快递, 装修, 保险, 中介, 门禁/IoT, SaaS, 政府部门). Its relationship is
either *entrusted processing* (委托处理, L19: it processes for us under a contract, on the
contract's basis) or *provision* (对外提供, L5: it becomes a processor in its own right, so
every owner must give separate consent to that recipient). Nothing is shared without a signed,
unexpired agreement naming the purposes and fields, and an impact assessment (PIPIA, L20)
concluding the share acceptable.

The registry itself holds no owner data; a partner's contact person is personal data too and
is sealed with the company key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select, update

from ownerguard import clock
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.model import new_id
from ownerguard.domain.purposes import PURPOSES, LegalBasis, purpose_label
from ownerguard.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ownerguard.i18n import Label, translate
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import freetext
from ownerguard.store.tables import agreements, impact_assessments, partners
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.alarms import raise_alarm
from ownerguard.vault.secrets import open_secret, seal_secret

# Kinds and relationships with their labels in the source language (the catalogue's
# ``partner_kind.<kind>`` and ``partner_relationship.<relationship>``).
KINDS = {k: translate(f"partner_kind.{k}") for k in (
    "courier", "decoration", "insurer", "agency", "iot_vendor", "saas_processor", "government",
    "other")}
RELATIONSHIPS = {r: translate(f"partner_relationship.{r}") for r in ("entrusted", "provision")}
ASSESSMENT_KEEP_YEARS = 3          # L20: PIPIA records kept at least three years
EXPIRY_WARNING = timedelta(days=30)
SHA256_RE = re.compile(r"[0-9a-f]{64}")


class PartnerError(Problem):
    """A refused step of the partner registry (the third-party API catches it), raised as
    one of the kinds below."""


class PartnerInvalid(PartnerError, Invalid):
    pass


class PartnerNotFound(PartnerError, NotFound):
    pass


class PartnerForbidden(PartnerError, Forbidden):
    pass


class PartnerConflict(PartnerError, Conflict):
    pass


@dataclass(frozen=True)
class Partner:
    id: str
    company_id: str
    name: str
    kind: str
    relationship: str
    status: str


@dataclass(frozen=True)
class Agreement:
    id: str
    partner_id: str
    purposes: tuple[str, ...]
    fields: tuple[str, ...]
    retention_days: int
    deletion_duty: str
    signed_on: date
    expires_on: date
    document_sha256: str

    def live(self, today: date) -> bool:
        return self.signed_on <= today <= self.expires_on


def _partner(r) -> Partner:
    return Partner(r.id, r.company_id, r.name, r.kind, r.relationship, r.status)


def _agreement(r) -> Agreement:
    return Agreement(r.id, r.partner_id, tuple(p for p in r.purposes.split(",") if p),
                     tuple(f for f in r.fields.split(",") if f), r.retention_days,
                     r.deletion_duty, r.signed_on, r.expires_on, r.document_sha256)


def _today() -> date:
    return clock.today()


def _years_after(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _require_dpo(role: str) -> None:
    if role != "dpo":
        raise PartnerForbidden("partner_registry_not_permitted")


def register(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
             name: str, kind: str, relationship: str, contact: dict | None = None) -> Partner:
    _require_dpo(role)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise PartnerInvalid("bad_name")
    if kind not in KINDS:
        raise PartnerInvalid("partner_bad_kind")
    if relationship not in RELATIONSHIPS:
        raise PartnerInvalid("bad_relationship")
    if uow.conn.execute(select(partners.c.id).where(partners.c.company_id == company_id,
                                                    partners.c.name == name)).first():
        raise PartnerConflict("duplicate")
    pid = new_id()
    contact_ct = seal_secret(rt.keys, uow.conn, company_id, "partners", "contact_ct", pid,
                             json.dumps(contact, ensure_ascii=False)) if contact else None
    uow.conn.execute(insert(partners).values(
        id=pid, company_id=company_id, name=name, kind=kind, relationship=relationship,
        contact_ct=contact_ct, status="active", created_at=clock.now(), created_by=actor))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="partner_register", reason=pid, outcome="registered")
    return get(uow, company_id, pid)


def contact_of(rt: Runtime, uow: UnitOfWork, partner: Partner) -> dict | None:
    row = uow.conn.execute(select(partners.c.contact_ct).where(
        partners.c.id == partner.id)).scalar()
    return json.loads(open_secret(rt.keys, uow.conn, partner.company_id, "partners",
                                  "contact_ct", partner.id, row)) if row else None


def get(uow: UnitOfWork, company_id: str, partner_id: str) -> Partner:
    row = uow.conn.execute(select(partners).where(partners.c.id == partner_id,
                                                  partners.c.company_id == company_id)).first()
    if row is None:
        raise PartnerNotFound("partner_not_found")
    return _partner(row)


def list_partners(uow: UnitOfWork, company_id: str) -> list[Partner]:
    return [_partner(r) for r in uow.conn.execute(select(partners).where(
        partners.c.company_id == company_id).order_by(partners.c.name))]


def add_agreement(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
                  partner_id: str, purposes: list[str], fields: list[str], retention_days: int,
                  deletion_duty: str, signed_on: date, expires_on: date,
                  document_sha256: str, sub_entrusting: bool = False) -> Agreement:
    """Record a signed agreement: which purposes and fields it covers, how long the partner may
    keep them, what it must return or delete at the end (L19), and the hash of the signed
    document so the text cannot be swapped later."""
    _require_dpo(role)
    partner = get(uow, company_id, partner_id)
    bad = [p for p in purposes if p not in PURPOSES]
    if not purposes or bad:
        raise PartnerInvalid("bad_purpose", purposes=bad or ["—"])
    unusable = [p for p in purposes if PURPOSES[p].basis is LegalBasis.NONE]
    if unusable:
        raise PartnerInvalid("no_legal_basis", purpose=purpose_label(unusable[0]))
    bad = [f for f in fields if f not in CATALOGUE]
    if not fields or bad:
        raise PartnerInvalid("bad_field", fields=bad or ["—"])
    if not 1 <= retention_days <= 3650:
        raise PartnerInvalid("bad_retention", max=3650)
    if expires_on <= signed_on:
        raise PartnerInvalid("bad_dates")
    if not SHA256_RE.fullmatch(document_sha256 or ""):
        raise PartnerInvalid("bad_hash")
    if not (deletion_duty or "").strip():
        raise PartnerInvalid("bad_duty")
    aid = new_id()
    uow.conn.execute(insert(agreements).values(
        id=aid, company_id=company_id, partner_id=partner.id, purposes=",".join(purposes),
        fields=",".join(fields), retention_days=retention_days,
        deletion_duty=deletion_duty.strip()[:400], sub_entrusting=sub_entrusting,
        signed_on=signed_on, expires_on=expires_on, document_sha256=document_sha256,
        created_at=clock.now(), created_by=actor))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="agreement_add", reason=aid, outcome="recorded")
    return _agreement(uow.conn.execute(select(agreements).where(agreements.c.id == aid)).one())


def agreements_of(uow: UnitOfWork, partner_id: str) -> list[Agreement]:
    return [_agreement(r) for r in uow.conn.execute(select(agreements).where(
        agreements.c.partner_id == partner_id).order_by(agreements.c.signed_on.desc()))]


def live_agreement(uow: UnitOfWork, partner_id: str, purpose: str,
                   today: date | None = None) -> Agreement | None:
    today = today or _today()
    for a in agreements_of(uow, partner_id):
        if a.live(today) and purpose in a.purposes:
            return a
    return None


def assess(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
           partner_id: str, purpose: str, fields: list[str], necessity: str, risks: str,
           safeguards: str, acceptable: bool) -> str:
    """Record a personal-information impact assessment (PIPIA, L20) for sharing these fields
    with this partner for this purpose. Kept at least three years."""
    _require_dpo(role)
    partner = get(uow, company_id, partner_id)
    if purpose not in PURPOSES:
        raise PartnerInvalid("bad_purpose", purposes=[purpose or "—"])
    missing = [Label("pia", key) for key, text in (("necessity", necessity), ("risks", risks),
                                                   ("safeguards", safeguards))
               if not (text or "").strip()]
    if missing:
        raise PartnerInvalid("assessment_incomplete", items=missing)
    # The assessment is written in the source language, under the catalogue's headings.
    text = "\n".join(f"{translate(f'pia.{key}')}：{value.strip()}" for key, value in (
        ("necessity", necessity), ("risks", risks), ("safeguards", safeguards)))
    note_id = freetext.write_note(rt, uow, company_id=company_id, author=actor, role=role,
                                  kind="impact_assessment", text=text)
    now = clock.now()
    iid = new_id()
    uow.conn.execute(insert(impact_assessments).values(
        id=iid, company_id=company_id, partner_id=partner.id, purpose=purpose,
        fields=",".join(fields), note_id=note_id,
        conclusion="acceptable" if acceptable else "not_acceptable", assessed_by=actor,
        assessed_at=now, keep_until=_years_after(_today(), ASSESSMENT_KEEP_YEARS)))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role, action="impact_assessment",
                    reason=iid, outcome="acceptable" if acceptable else "not_acceptable")
    return iid


def covering_assessment(uow: UnitOfWork, partner_id: str, purpose: str,
                        fields: tuple[str, ...]) -> str | None:
    """The latest assessment of this partner and purpose, if it concluded acceptable and
    covered every field asked for (a later 'not acceptable' one overrides earlier ones)."""
    row = uow.conn.execute(select(impact_assessments).where(
        impact_assessments.c.partner_id == partner_id,
        impact_assessments.c.purpose == purpose).order_by(
        impact_assessments.c.assessed_at.desc()).limit(1)).first()
    if row is None or row.conclusion != "acceptable":
        return None
    return row.id if set(fields) <= set(row.fields.split(",")) else None


def recipients(uow: UnitOfWork, company_id: str | None = None) -> list[tuple[Partner, Agreement]]:
    """(partner, live agreement) pairs that need owners' separate consent (relationship
    provision, L5): what the portal offers owners to consent to, per recipient and purpose."""
    q = select(partners).where(partners.c.relationship == "provision",
                               partners.c.status == "active")
    if company_id:
        q = q.where(partners.c.company_id == company_id)
    today = _today()
    out = []
    for p in uow.conn.execute(q.order_by(partners.c.name)):
        for a in agreements_of(uow, p.id):
            if a.live(today):
                out.append((_partner(p), a))
                break
    return out


def sweep(rt: Runtime, uow: UnitOfWork, today: date | None = None) -> int:
    """Warn the DPO once, 30 days before an agreement expires."""
    today = today or _today()
    rows = uow.conn.execute(select(agreements).where(
        agreements.c.expiry_alerted_at.is_(None),
        agreements.c.expires_on <= today + EXPIRY_WARNING,
        agreements.c.expires_on >= today)).all()
    for r in rows:
        name = uow.conn.execute(select(partners.c.name).where(
            partners.c.id == r.partner_id)).scalar_one()
        raise_alarm(uow.conn, rt.audit, rt.keys, company_id=r.company_id, kind="agreement_expiring",
                           severity="medium", actor="system",
                           detail=f"与“{name}”的协议将于 {r.expires_on} 到期，请续签或停止共享")
        uow.conn.execute(update(agreements).where(agreements.c.id == r.id)
                         .values(expiry_alerted_at=clock.now()))
    return len(rows)

