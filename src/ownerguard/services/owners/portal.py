"""What the portal shows an owner: everything held about them and their household, and every
access to it (owner portal, items 2 and 3; L11, L15).

Identity comes from the session only (the person ids bound at sign-in); a request can never
name another person. Reads still go through the gate with role ``owner`` and are audited.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy import select

from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES
from ownerguard.domain.staff import role_label
from ownerguard.i18n import has, translate
from ownerguard.services.owners import consent
from ownerguard.services.owners.auth import OwnerSession
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import audit_log, residencies
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.policy import AccessContext

# How long each category is kept, in words: the catalogue's ``ow_retention_<category>``.
HOUSEHOLD_ROLES = ("owner", "co_owner")
SEEN_ACTIONS = ("read", "reveal", "list", "contact", "export", "read_text", "collect", "shred",
                "provide", "breach_notice", "correct", "correct_read", "restrict")


def _who_can_see(rt: Runtime, field: str) -> list[str]:
    roles = {row["role"] for row in rt.policy.matrix()
             if row[field] != "hidden" and row["role"] not in ("owner", "operator")}
    return [role_label(r).text() for r in sorted(roles)]


def my_data(rt: Runtime, uow: UnitOfWork, session: OwnerSession, *, client: str = "") -> dict:
    by_company: dict[str, list[str]] = defaultdict(list)
    for company_id, person_id in session.persons:
        by_company[company_id].append(person_id)
    people, household = [], []
    for company_id, ids in by_company.items():
        ctx = AccessContext.for_owner(session.actor, company_id, client)
        fields = list(CATALOGUE)
        for view in rt.gate.read(uow, ctx, ids, fields, reveal=fields, action="self_access"):
            people.append(_person_json(view, clear=True))
        members = _household(uow, ids)
        if members:
            wards = {p for _, p in consent.wards(rt, uow, session)}
            for view in rt.gate.read(uow, ctx, members, ("name", "rooms"),
                                     action="household_view"):
                # Minors are flagged, and whether the signed-in person is their guardian.
                household.append({**_person_json(view, clear=False),
                                  "under_guardianship": view.person_id in wards})
    return {"persons": people, "household": household, "fields": _field_info(rt)}


def _person_json(view, *, clear: bool) -> dict:
    return {"id": view.person_id, "is_minor": view.is_minor, "state": view.state,
            "fields": {f: s.value for f, s in view.fields.items() if s.value is not None}}


def _household(uow: UnitOfWork, ids: list[str]) -> list[str]:
    """Family members and co-owners of the rooms where this person is an owner (tenants are not
    the owner's household, and are not shown)."""
    rooms = [r.room_id for r in uow.conn.execute(select(residencies.c.room_id).where(
        residencies.c.person_id.in_(ids), residencies.c.role.in_(HOUSEHOLD_ROLES)))]
    if not rooms:
        return []
    found = uow.conn.execute(select(residencies.c.person_id).where(
        residencies.c.room_id.in_(rooms), residencies.c.role.in_(("family", "co_owner")),
        residencies.c.person_id.not_in(ids)))
    return sorted({r.person_id for r in found})


def _field_info(rt: Runtime) -> list[dict]:
    out = []
    for f in CATALOGUE.values():
        out.append({"field": f.name, "label": f.label_zh, "label_en": f.label_en,
                    "sensitivity": f.sensitivity.value,
                    "purposes": [{"purpose": p, "label": PURPOSES[p].label_zh,
                                  "basis": translate(f"basis_{PURPOSES[p].basis.value}")}
                                 for p in f.purposes if p in PURPOSES],
                    "retention": translate(f"ow_retention_{f.category.value}")
                    if has(f"ow_retention_{f.category.value}") else "",
                    "roles": _who_can_see(rt, f.name)})
    return out


def staff_reference(company_id: str, actor: str) -> str:
    """A stable pseudonym for a staff member: enough to question an access, not to find them."""
    if actor.startswith("owner:"):
        return translate("ow_you")
    return translate("staff_ref", ref=hashlib.sha256(f"{company_id}|{actor}".encode()).hexdigest()[:8])


def access_log(uow: UnitOfWork, session: OwnerSession, *, limit: int = 500) -> list[dict]:
    ids = session.person_ids
    if not ids:
        return []
    rows = uow.conn.execute(select(audit_log).where(
        audit_log.c.subject.in_(ids), audit_log.c.action.in_(SEEN_ACTIONS))
        .order_by(audit_log.c.id.desc()).limit(limit)).all()
    return [{"time": r.ts, "role": r.role, "role_label": role_label(r.role).text(),
             "staff": staff_reference(r.company_id, r.actor), "action": r.action,
             "purpose": r.purpose, "purpose_label": PURPOSES[r.purpose].label_zh
             if r.purpose in PURPOSES else r.purpose,
             "fields": [f for f in r.fields.split(",") if f], "outcome": r.outcome,
             "work_item": r.work_item, "entry": f"{r.chain[:8]}#{r.seq}"} for r in rows]
