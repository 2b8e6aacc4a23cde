"""Owners' rights requests (L11–L17): file, answer at once where nothing needs review, staff
decisions with written reasons, heirs, working-day deadlines with reminders and escalation.

- Who the request is about comes from the owner's session (L11): oneself, a minor household
  member (guardian, PIPL 31) or — for an heir (L16) — a deceased person named in words, whom
  the DPO links after checking the documents. Anything else is "not found" (no IDOR).
- Access, copy, portability and explanation are answered the moment they are filed: the data
  is the owner's own and the gate decides what they see. They are still recorded and audited,
  and the download itself is a gate read (``self_copy``).
- Correction, deletion and restriction are decided by the DPO (company-wide) or the community
  manager (within their scope). A refusal needs a code *and* a written reason (L17).
- Every state change is an audit entry on the company chain; payloads (proposed corrections,
  an heir's claim) are sealed, and wiped once the request is closed.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, select, update

from ownerguard import clock
from ownerguard.domain import normalize
from ownerguard.domain.deadlines import DEFAULT_WORKING_DAYS, add_working_days, is_working_day
from ownerguard.domain.fields import CATALOGUE, field_label
from ownerguard.domain.model import new_id
from ownerguard.domain.purposes import PURPOSES
from ownerguard.domain.rights import (
    DOWNLOADABLE,
    EDITABLE,
    KINDS,
    ON_BEHALF,
    REFUSAL_REASONS,
    kind_label,
    outcome_text,
)
from ownerguard.domain.staff import role_label
from ownerguard.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ownerguard.i18n import Label, translate
from ownerguard.services.owners import consent as consent_svc
from ownerguard.services.owners import corrections
from ownerguard.services.owners.auth import OwnerSession
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import freetext
from ownerguard.store.tables import (
    buildings,
    communities,
    companies,
    notes,
    persons,
    residencies,
    rights_requests,
    rooms,
    units,
    vehicles,
    work_items,
)
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault import shred_ledger
from ownerguard.vault.alarms import raise_alarm
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.gate import PersonNotFound
from ownerguard.vault.policy import AccessContext, Outcome
from ownerguard.vault.sealing import seal_company

SCHEMA = "ownerguard.personal-data/1"
DECIDERS = ("dpo", "manager")
OWNER_ROLES = ("owner", "co_owner")
LIVE_ITEMS = ("open", "assigned")
SYSTEM_ACTOR = "system:rights"


class RightsError(Problem):
    """A refused rights request or decision (the API and the portal catch it), raised as one
    of the kinds below."""


class RightsInvalid(RightsError, Invalid):
    pass


class RightsNotFound(RightsError, NotFound):
    pass


class RightsForbidden(RightsError, Forbidden):
    pass


class RightsConflict(RightsError, Conflict):
    pass


_BY_KIND = {c.kind: c for c in (RightsInvalid, RightsNotFound, RightsForbidden, RightsConflict)}


def _passed_on(exc: Problem) -> RightsError:
    """A helper's refusal (a correction, a note) as the rights request's own, same kind."""
    return _BY_KIND.get(exc.kind, RightsConflict)(exc.code, **exc.params)


def _basis(purpose) -> str:
    """The legal basis of a purpose in words (the catalogue's ``basis_<basis>``)."""
    return translate(f"basis_{purpose.basis.value}")


def _not_found() -> RightsError:
    # One answer for "does not exist" and "not yours": an id must not confirm anything.
    return RightsNotFound("rights_request_not_found")


@dataclass(frozen=True)
class RightsRequest:
    id: str
    number: str
    company_id: str
    community_id: str | None
    person_id: str | None
    on_behalf: str
    kind: str
    status: str
    created_at: datetime
    due: date
    due_estimated: bool
    decided_at: datetime | None
    outcome: str | None
    reminded: bool
    overdue: bool


def _request(r) -> RightsRequest:
    return RightsRequest(r.id, r.number, r.company_id, r.community_id, r.person_id,
                         r.on_behalf, r.kind, r.status, clock.aware(r.created_at), r.due_date,
                         r.due_estimated, clock.aware(r.decided_at), r.outcome,
                         r.reminded_at is not None, r.overdue_at is not None)


def _row(uow: UnitOfWork, request_id: str):
    return uow.conn.execute(select(rights_requests).where(
        rights_requests.c.id == request_id)).first()


def deadline_days(rt: Runtime) -> int:
    """L17: 15 working days unless ``[rights] working_days`` says otherwise."""
    return int(rt.settings.rights.get("working_days", DEFAULT_WORKING_DAYS))


def _audit(rt: Runtime, uow: UnitOfWork, company_id: str, *, actor: str, role: str,
           action: str, subject: str | None, number: str, outcome: str, reason: str = "",
           purpose: str = "rights_request", client: str = "") -> None:
    rt.audit.append(uow.conn, company_chain(company_id), company_id, [AuditEvent(
        actor=actor, role=role, action=action, subject=subject or "", purpose=purpose,
        work_item=number, outcome=outcome, reason=reason, client=client[:80])])


# -- filing ------------------------------------------------------------------------------------

def file(rt: Runtime, uow: UnitOfWork, session: OwnerSession, *, kind: str, text: str = "",
         person_id: str | None = None, on_behalf: str = "self",
         corrections: dict[str, str] | None = None, heir_claim: dict | None = None,
         working_days: int | None = None, client: str = "") -> RightsRequest:
    if kind not in KINDS:
        raise RightsInvalid("rights_bad_kind")
    if on_behalf not in ON_BEHALF:
        raise RightsInvalid("bad_on_behalf")
    mine = {p: c for c, p in session.persons}
    if not mine:
        raise RightsNotFound("no_person")
    payload: dict = {}
    if on_behalf == "heir":
        if person_id:
            raise RightsInvalid("heir_names_in_words")
        payload["heir"] = _heir_claim(heir_claim)
        pid, company_id = None, session.persons[0][0]
    elif heir_claim:
        raise RightsInvalid("heir_claim_unexpected")
    elif on_behalf == "guardian":
        if not person_id:
            raise RightsInvalid("person_required")
        pid, company_id = person_id, _guardian_of(uow, mine, person_id)
    else:
        pid = person_id or next(iter(mine))
        if pid not in mine:
            raise _not_found()
        company_id = mine[pid]
    if kind == "correction":
        payload["corrections"] = _validated(uow, pid, corrections)
    elif corrections:
        raise RightsInvalid("corrections_unexpected")

    now = clock.now()
    deadline = add_working_days(clock.local_date(now),
                                working_days if working_days is not None
                                else deadline_days(rt))
    note_id = None
    if text.strip():
        try:
            note_id = freetext.write_note(rt, uow, company_id=company_id, author=session.actor,
                                          role="owner", kind="rights_request", text=text)
        except freetext.TextError as exc:
            raise _passed_on(exc) from None
    rid = new_id()
    number = f"RQ-{clock.local(now):%Y%m%d}-{os.urandom(2).hex().upper()}"
    uow.conn.execute(insert(rights_requests).values(
        id=rid, number=number, company_id=company_id, community_id=_community(uow, pid),
        person_id=pid, requester=session.actor, on_behalf=on_behalf, kind=kind,
        note_id=note_id, status="open", created_at=now, due_date=deadline.due,
        due_estimated=deadline.estimated,
        payload_ct=seal_company(rt.keys, uow.conn, company_id, "rights_requests", "payload_ct",
                                rid, json.dumps(payload, ensure_ascii=False))
        if payload else None))
    _audit(rt, uow, company_id, actor=session.actor, role="owner", action="rights_file",
           subject=pid, number=number, outcome="filed", reason=f"{kind}:{on_behalf}",
           client=client)
    if KINDS[kind].immediate and pid is not None:
        # Nothing to review: the owner's own data, shown through the gate (L11, L12, L15).
        _close(rt, uow, _row(uow, rid), status="done", outcome="fulfilled",
               actor=session.actor, role="owner", client=client)
    return _request(_row(uow, rid))


def _heir_claim(claim: dict | None) -> dict:
    claim = claim or {}
    out = {}
    for key in ("name", "room", "relationship"):
        value = str(claim.get(key) or "").strip()
        if not value or len(value) > 100:
            raise RightsInvalid("heir_claim_incomplete", item=Label("heir", key))
        out[key] = value
    try:
        out["name"] = normalize.normalize_name(out["name"])
    except normalize.InvalidValue as exc:
        raise RightsInvalid("heir_name_invalid", reason=exc) from None
    return out


def _guardian_of(uow: UnitOfWork, mine: dict[str, str], target: str) -> str:
    """The company of ``target`` when it is a minor family member living in a room one of the
    session's persons owns; "not found" for anyone outside those rooms."""
    owned = select(residencies.c.room_id).where(residencies.c.person_id.in_(list(mine)),
                                                residencies.c.role.in_(OWNER_ROLES))
    member = uow.conn.execute(
        select(persons.c.company_id, persons.c.is_minor)
        .join(residencies, residencies.c.person_id == persons.c.id)
        .where(persons.c.id == target, residencies.c.role == "family",
               residencies.c.room_id.in_(owned))).first()
    if member is None or member.company_id not in mine.values():
        raise _not_found()
    if not member.is_minor:
        # An adult household member files for themselves (their own phone signs them in).
        raise RightsForbidden("not_a_minor")
    return member.company_id


def _validated(uow: UnitOfWork, pid: str | None, proposed: dict | None) -> dict[str, str]:
    """Normalise each proposed value; an error names the field and what to fix, never the
    value (domain.normalize reasons carry none)."""
    if not proposed:
        raise RightsInvalid("corrections_required")
    out: dict[str, str] = {}
    for field, raw in proposed.items():
        spec = CATALOGUE.get(field)
        if spec is None:
            raise RightsInvalid("unknown_field")
        if field not in EDITABLE:
            raise RightsInvalid("not_editable", field=field_label(field))
        try:
            value = _normalise(EDITABLE[field], raw)
        except normalize.InvalidValue as exc:
            raise RightsInvalid("bad_value", field=field_label(field), reason=exc) from None
        out[field] = value
    if "plate" in out and pid is not None:
        cars = uow.conn.execute(select(vehicles.c.id).where(vehicles.c.person_id == pid)).all()
        if len(cars) != 1:
            raise RightsConflict("plate_ambiguous")
    return out


def _normalise(kind: str, raw) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise normalize.InvalidValue("value_empty")
    if kind == "name":
        return normalize.normalize_name(raw)
    if kind == "phone":
        return normalize.normalize_phone(raw)
    if kind == "plate":
        return normalize.normalize_plate(raw)
    value = normalize.normalize_gender(raw)
    if value is None:
        raise normalize.InvalidValue("value_empty")
    return value


def _community(uow: UnitOfWork, pid: str | None) -> str | None:
    if pid is None:
        return None
    r = uow.conn.execute(select(residencies.c.community_id).where(
        residencies.c.person_id == pid).order_by(residencies.c.community_id).limit(1)).first()
    return r.community_id if r else None


# -- the owner's side -------------------------------------------------------------------------

def _owner_row(uow: UnitOfWork, session: OwnerSession, request_id: str):
    """A request the session filed. The subject is re-checked so a session that lost a person
    (a new sign-in after a phone change) does not keep reaching them."""
    r = _row(uow, request_id)
    if r is None or r.requester != session.actor:
        raise _not_found()
    if r.on_behalf == "self" and r.person_id is not None \
            and r.person_id not in session.person_ids:
        raise _not_found()
    return r


def mine(uow: UnitOfWork, session: OwnerSession) -> list[RightsRequest]:
    if not session.persons:
        return []
    return [_request(r) for r in uow.conn.execute(select(rights_requests).where(
        rights_requests.c.requester == session.actor)
        .order_by(rights_requests.c.created_at.desc()))]


def detail(rt: Runtime, uow: UnitOfWork, session: OwnerSession, request_id: str, *,
           client: str = "") -> dict:
    r = _owner_row(uow, session, request_id)
    out: dict[str, Any] = {"request": _request(r), "outcome_text": outcome_text(r.outcome),
                           "reason": None,
           "explanation": None}
    if r.reason_note_id:
        # The written reason is free text typed by staff. It is shown to the requester through
        # the gate's free-text read, masked where the detector finds personal data: the owner
        # is identified only by a phone session, and a reason may well name someone else (a
        # co-owner, a neighbour). The code's own text is always shown in full, so the owner is
        # never left without the why (L17); staff are asked to write reasons without names.
        note = uow.conn.execute(select(notes.c.text_ct).where(
            notes.c.id == r.reason_note_id)).scalar_one()
        ctx = AccessContext.for_owner(session.actor, r.company_id, client)
        out["reason"] = rt.gate.read_text(uow, ctx, table="notes", column="text_ct",
                                          row_id=r.reason_note_id, sealed=note,
                                          subject=r.person_id or "").text
    if r.kind == "explanation" and r.status == "done":
        out["explanation"] = explanation(rt)
    return out


def copy_of(rt: Runtime, uow: UnitOfWork, session: OwnerSession, request_id: str,
            fmt: str = "json", *, client: str = "") -> bytes:
    """The owner's data as a file built in memory (no plaintext on disk): JSON — machine
    readable, with a schema version, for portability (L12) — or xlsx (L11 copy)."""
    if fmt not in ("json", "xlsx"):
        raise RightsInvalid("copy_bad_format")
    r = _owner_row(uow, session, request_id)
    if r.kind not in DOWNLOADABLE or r.status != "done" or r.person_id is None:
        raise RightsConflict("not_downloadable")
    doc = _document(rt, uow, AccessContext.for_owner(session.actor, r.company_id, client), r)
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2).encode()
    return _xlsx(doc)


def _document(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, r) -> dict:
    pid = r.person_id
    names = list(CATALOGUE)
    view = rt.gate.read(uow, ctx, [pid], names, reveal=names, action="self_copy")[0]
    fields = []
    for name, spec in CATALOGUE.items():
        shown = view.fields[name]
        item = {"field": name, "label": spec.label_zh, "label_en": spec.label_en,
                "category": spec.category.value, "sensitivity": spec.sensitivity.value,
                "value": shown.value,
                "purposes": [{"purpose": p, "label": PURPOSES[p].label_zh,
                              "legal_basis": PURPOSES[p].basis.value,
                              "legal_basis_text": _basis(PURPOSES[p])}
                             for p in spec.purposes if p in PURPOSES]}
        if shown.outcome is Outcome.DENIED:
            item["withheld"] = shown.reason
        fields.append(item)
    homes = uow.conn.execute(
        select(residencies.c.role, residencies.c.start_date, residencies.c.end_date,
               communities.c.name.label("community"), buildings.c.name.label("building"),
               units.c.name.label("unit"), rooms.c.number)
        .join(rooms, rooms.c.id == residencies.c.room_id)
        .join(communities, communities.c.id == residencies.c.community_id)
        .join(buildings, buildings.c.id == rooms.c.building_id)
        .outerjoin(units, units.c.id == rooms.c.unit_id)
        .where(residencies.c.person_id == pid)
        .order_by(residencies.c.community_id, rooms.c.room_key)).all() \
        if view.fields["rooms"].outcome is not Outcome.DENIED else []
    company = uow.conn.execute(select(companies.c.name).where(
        companies.c.id == r.company_id)).scalar_one()
    return {
        "schema": SCHEMA, "kind": r.kind, "request": r.number,
        "generated_at": clock.now().isoformat(timespec="seconds"), "controller": company,
        "subject": {"person_id": pid, "on_behalf": r.on_behalf, "state": view.state,
                    "is_minor": view.is_minor},
        "fields": fields,
        "residencies": [{"community": h.community,
                         "room": f"{h.building}{h.unit or ''}{h.number}", "role": h.role,
                         "start_date": h.start_date.isoformat() if h.start_date else None,
                         "end_date": h.end_date.isoformat() if h.end_date else None}
                        for h in homes],
        "consents": [{"kind": k, "target": t, "granted": g}
                     for (k, t), g in sorted(consent_svc.current(uow, pid).items())],
    }


def _xlsx(doc: dict) -> bytes:
    from openpyxl import Workbook

    # The exporter's writer builds every sheet's XML in memory: openpyxl's own spools it to
    # /tmp, and a deleted temp file holding personal data is still on the disk.
    from ownerguard.adapters.export_sheet import _InMemoryExcelWriter

    def text(v) -> str:
        if v is None:
            return ""
        return "、".join(v) if isinstance(v, list) else str(v)

    wb = Workbook()
    ws = wb.active
    ws.title = "个人信息"
    ws.append(["字段", "field", "内容", "用途", "法律依据"])
    for f in doc["fields"]:
        ws.append([f["label"], f["field"], text(f["value"]),
                   "、".join(p["label"] for p in f["purposes"]),
                   "、".join(sorted({p["legal_basis"] for p in f["purposes"]}))])
    homes = wb.create_sheet("房屋")
    homes.append(["小区", "房屋", "身份", "起", "止"])
    for h in doc["residencies"]:
        homes.append([h["community"], h["room"], h["role"], h["start_date"] or "",
                      h["end_date"] or ""])
    cons = wb.create_sheet("同意记录")
    cons.append(["类别", "项目", "是否同意"])
    for c in doc["consents"]:
        cons.append([c["kind"], c["target"], "同意" if c["granted"] else "未同意"])
    about = wb.create_sheet("说明")
    for k in ("schema", "request", "kind", "generated_at", "controller"):
        about.append([k, text(doc[k])])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        _InMemoryExcelWriter(wb, archive).save()
    return buf.getvalue()


def explanation(rt: Runtime) -> dict:
    """L15: the processing rules, generated from the purposes, the field catalogue and the
    policy matrix the gate enforces — so the explanation cannot drift from what happens."""
    matrix = rt.policy.matrix()
    out, lines = [], []
    for code, p in PURPOSES.items():
        fields = [f for f, spec in CATALOGUE.items() if code in spec.purposes]
        seen: dict[str, list[str]] = {}
        for row in matrix:
            if row["purpose"] != code or row["role"] in ("owner",):
                continue
            role = role_label(row["role"]).text()
            for f in fields:
                if row[f] != "hidden":
                    seen.setdefault(f, []).append(
                        f"{role}（{'可申请明文' if row[f] == 'reveal' else '仅脱敏'}）")
        out.append({"purpose": code, "label": p.label_zh, "label_en": p.label_en,
                    "legal_basis": p.basis.value, "legal_basis_text": _basis(p),
                    "usable": p.usable,
                    "fields": [{"field": f, "label": CATALOGUE[f].label_zh,
                                "roles": seen.get(f, [])} for f in fields]})
        if not p.usable:
            lines.append(f"{p.label_zh}：{_basis(p)}。")
            continue
        used = [f"{CATALOGUE[f].label_zh}（{'、'.join(seen[f])}）" for f in fields if f in seen]
        lines.append(f"{p.label_zh}：依据为{_basis(p)}；"
                     + ("使用" + "；".join(used) if used else "目前没有岗位可为此查看您的信息") + "。")
    general = ("所有信息按人加密存储；默认脱敏显示，查看明文须说明用途并单独记录；"
               "每一次查看都记入防篡改审计日志，您可在“访问记录”中查看。")
    return {"text": "\n".join([general, *lines]), "purposes": out}


# -- the staff side ---------------------------------------------------------------------------

def decider_purpose(role: str) -> str:
    """The purpose a decider acts under. The DPO handles rights requests (``rights_request``);
    a manager corrects the register they keep (``record_keeping``), whose grant lets them read
    the values a correction must pair with (corrections._current)."""
    return "rights_request" if role == "dpo" else "record_keeping"


def _staff_row(uow: UnitOfWork, ctx: AccessContext, request_id: str):
    r = _row(uow, request_id)
    if r is None or r.company_id != ctx.company_id:
        raise _not_found()
    return r


def _check_decider(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, r) -> None:
    if ctx.role == "dpo":
        return
    if ctx.role != "manager":
        raise RightsForbidden("rights_decision_not_permitted")
    if r.person_id is None:
        raise RightsForbidden("heir_request_dpo_only")
    homes = frozenset((h.community_id, h.building_id) for h in uow.conn.execute(
        select(residencies.c.community_id, rooms.c.building_id)
        .join(rooms, rooms.c.id == residencies.c.room_id)
        .where(residencies.c.person_id == r.person_id)))
    if ctx.covers(r.company_id, homes):
        raise RightsForbidden("rights_out_of_scope")


def pending(uow: UnitOfWork, company_id: str, communities: list[str] | None = None, *,
            status: str | None = "open", today: date | None = None) -> list[dict]:
    """The request queue, without personal values: number, kind, due date, status, overdue."""
    today = today or clock.today()
    q = select(rights_requests).where(rights_requests.c.company_id == company_id)
    if status:
        q = q.where(rights_requests.c.status == status)
    if communities is not None:
        q = q.where(rights_requests.c.community_id.in_(communities))
    return [{"id": r.id, "number": r.number, "kind": r.kind, "kind_label": kind_label(r.kind),
             "on_behalf": r.on_behalf, "status": r.status,
             "created_at": clock.aware(r.created_at).isoformat(timespec="seconds"),
             "due": r.due_date.isoformat(), "due_estimated": r.due_estimated,
             "overdue": r.status == "open" and today > r.due_date,
             "subject_linked": r.person_id is not None}
            for r in uow.conn.execute(q.order_by(rights_requests.c.due_date,
                                                 rights_requests.c.number))]


def review(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, request_id: str) -> dict:
    """What a decider needs: the request, the owner's words and the proposed values — in
    clear for the DPO, masked by the catalogue's rules for a manager — audited."""
    r = _staff_row(uow, ctx, request_id)
    _check_decider(rt, uow, ctx, r)
    dpo = ctx.role == "dpo"
    payload = rt.gate.read_payload(uow, ctx, table="rights_requests", column="payload_ct",
                                   row_id=r.id, sealed=r.payload_ct, subject=r.person_id or "") \
        if r.payload_ct else {}
    proposed = payload.get("corrections", {})
    heir = payload.get("heir")
    text = None
    if r.note_id:
        sealed = uow.conn.execute(select(notes.c.text_ct).where(
            notes.c.id == r.note_id)).scalar_one()
        text = rt.gate.read_text(uow, ctx, table="notes", column="text_ct", row_id=r.note_id,
                                 sealed=sealed, reveal=dpo, subject=r.person_id or "").value
    return {"request": _request(r), "text": text, "corrections": proposed, "heir": heir}


def verify_heir(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, request_id: str,
                person_id: str) -> RightsRequest:
    """L16: the DPO has checked the documents (death certificate, proof of kinship) and links
    the deceased's record. Requests to see the data are then answered at once."""
    if ctx.role != "dpo":
        raise RightsForbidden("heir_verification_not_permitted")
    r = _staff_row(uow, ctx, request_id)
    if r.on_behalf != "heir" or r.person_id is not None or r.status != "open":
        raise RightsConflict("not_an_open_heir_request")
    subject = uow.conn.execute(select(persons.c.company_id).where(
        persons.c.id == person_id)).first()
    if subject is None or subject.company_id != ctx.company_id:
        raise _not_found()
    uow.conn.execute(update(rights_requests).where(rights_requests.c.id == r.id).values(
        person_id=person_id, community_id=_community(uow, person_id)))
    _audit(rt, uow, r.company_id, actor=ctx.actor, role=ctx.role, action="rights_verify_heir",
           subject=person_id, number=r.number, outcome="linked", reason="heir_verified",
           purpose=ctx.purpose or "", client=ctx.client)
    if KINDS[r.kind].immediate:
        _close(rt, uow, _row(uow, r.id), status="done", outcome="fulfilled", actor=ctx.actor,
               role=ctx.role, client=ctx.client)
    return _request(_row(uow, r.id))


def decide(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, request_id: str, *,
           approve: bool, outcome_code: str | None = None, reason_text: str = ""
           ) -> RightsRequest:
    r = _staff_row(uow, ctx, request_id)
    _check_decider(rt, uow, ctx, r)
    if r.status != "open":
        raise RightsConflict("already_decided")
    note: str | None = None
    if not approve:
        if outcome_code not in REFUSAL_REASONS:
            raise RightsInvalid("refusal_code_required", codes=", ".join(REFUSAL_REASONS))
        note = _reason_note(rt, uow, ctx, r, reason_text)
        _close(rt, uow, r, status="refused", outcome=outcome_code, actor=ctx.actor,
               role=ctx.role, reason_note_id=note, client=ctx.client)
        return _request(_row(uow, r.id))
    if r.person_id is None:
        raise RightsConflict("heir_not_verified")
    pid, outcome = r.person_id, "fulfilled"
    if r.kind == "correction":
        payload = rt.gate.use_payload(uow, ctx, table="rights_requests", column="payload_ct",
                                      row_id=r.id, sealed=r.payload_ct, subject=pid)
        try:
            corrections.apply(rt, uow, ctx, pid, payload["corrections"])
        except corrections.CorrectionError as exc:
            raise _passed_on(exc) from None
        outcome = "corrected"
    elif r.kind == "deletion":
        duties = retention_duties(uow, pid)
        if outcome_code == "legal_retention":
            duties.append("经核实，法律、行政法规要求保存相关信息")
        if duties:
            # L14: a law requires keeping it → stop everything but storage. Not doing what was
            # asked is a partial refusal, so it carries a written reason (L17).
            text = reason_text.strip() or "；".join(duties)
            note = _reason_note(rt, uow, ctx, r, text)
            _restrict(rt, uow, ctx, pid, r.number)
            outcome = "restricted"
        else:
            shred_ledger.shred(rt, uow, ctx, pid)
            outcome = "deleted"
    elif r.kind == "restriction":
        _restrict(rt, uow, ctx, pid, r.number)
        outcome = "restricted"
    _close(rt, uow, r, status="done", outcome=outcome, actor=ctx.actor, role=ctx.role,
           reason_note_id=note, client=ctx.client)
    return _request(_row(uow, r.id))


def retention_duties(uow: UnitOfWork, person_id: str) -> list[str]:
    """Why the data must be kept for now, in words without personal data (empty = none).

    One rule for now, deliberately simple: a live work item (repair, visit, renovation
    application) for a room the person lives in. Its record is evidence under the property
    service contract and renovation rules until it is closed; after that the owner can ask
    again and the data is deleted. Arrears and legal holds join this list when billing and
    legal requests are modelled; until then the DPO states them (outcome ``legal_retention``).
    """
    numbers = [r.number for r in uow.conn.execute(
        select(work_items.c.number)
        .join(residencies, and_(residencies.c.room_id == work_items.c.room_id,
                                residencies.c.person_id == person_id))
        .where(work_items.c.status.in_(LIVE_ITEMS)).order_by(work_items.c.number))]
    if not numbers:
        return []
    return [f"您的房屋有未办结的工单（{'、'.join(numbers[:5])}），相关记录须保留至办结；"
            "在此之前信息仅保存、不再用于其他处理，办结后可再次申请删除"]


def _reason_note(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, r, text: str) -> str:
    if not text or not text.strip():
        raise RightsInvalid("refusal_reason_required")
    try:
        return freetext.write_note(rt, uow, company_id=r.company_id, author=ctx.actor,
                                   role=ctx.role, kind="rights_reason", text=text,
                                   community_id=None)
    except freetext.TextError as exc:
        raise _passed_on(exc) from None


def _restrict(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, pid: str, number: str) -> None:
    done = uow.conn.execute(update(persons).where(
        persons.c.id == pid, persons.c.company_id == ctx.company_id,
        persons.c.state == "active").values(state="restricted"))
    if done.rowcount != 1:
        state = uow.conn.execute(select(persons.c.state).where(persons.c.id == pid)).first()
        if state is None:
            raise PersonNotFound("person_not_found")
        if state.state == "restricted":
            return
        raise RightsConflict("shredded")
    _audit(rt, uow, ctx.company_id, actor=ctx.actor, role=ctx.role, action="restrict",
           subject=pid, number=number, outcome="done", reason="restricted",
           purpose=ctx.purpose or "", client=ctx.client)


def _close(rt: Runtime, uow: UnitOfWork, r, *, status: str, outcome: str, actor: str,
           role: str, reason_note_id: str | None = None, client: str = "") -> None:
    # The payload (proposed values, an heir's claim) served the decision; it is wiped with it.
    uow.conn.execute(update(rights_requests).where(rights_requests.c.id == r.id).values(
        status=status, outcome=outcome, decided_at=clock.now(), decided_by=actor,
        reason_note_id=reason_note_id, payload_ct=None))
    _audit(rt, uow, r.company_id, actor=actor, role=role, action="rights_decide",
           subject=r.person_id, number=r.number, outcome=status, reason=outcome, client=client)


# -- deadlines --------------------------------------------------------------------------------

def _working_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day)[0]:
        day -= timedelta(days=1)
    return day


def sweep(rt: Runtime, uow: UnitOfWork, today: date) -> dict:
    """Remind the DPO one working day before a deadline and escalate once it has passed (L17).
    Each happens once per request: ``reminded_at`` / ``overdue_at`` record it."""
    reminded = overdue = 0
    now = clock.now()
    for r in uow.conn.execute(select(rights_requests).where(
            rights_requests.c.status == "open")
            .order_by(rights_requests.c.due_date, rights_requests.c.number)).all():
        if today > r.due_date:
            if r.overdue_at is None:
                uow.conn.execute(update(rights_requests).where(
                    rights_requests.c.id == r.id).values(overdue_at=now))
                raise_alarm(uow.conn, rt.audit, rt.keys, company_id=r.company_id, kind="rights_overdue",
                            severity="high", actor=SYSTEM_ACTOR, subject=r.person_id or "",
                            detail=f"request:{r.number} due:{r.due_date.isoformat()}")
                _audit(rt, uow, r.company_id, actor=SYSTEM_ACTOR, role="system",
                       action="rights_overdue", subject=r.person_id, number=r.number,
                       outcome="escalated", reason=f"due:{r.due_date.isoformat()}")
                overdue += 1
        elif today >= _working_day_before(r.due_date) and r.reminded_at is None:
            uow.conn.execute(update(rights_requests).where(
                rights_requests.c.id == r.id).values(reminded_at=now))
            raise_alarm(uow.conn, rt.audit, rt.keys, company_id=r.company_id, kind="rights_due", severity="medium",
                        actor=SYSTEM_ACTOR, subject=r.person_id or "",
                        detail=f"request:{r.number} due:{r.due_date.isoformat()}")
            _audit(rt, uow, r.company_id, actor=SYSTEM_ACTOR, role="system",
                   action="rights_reminder", subject=r.person_id, number=r.number,
                   outcome="reminded", reason=f"due:{r.due_date.isoformat()}")
            reminded += 1
    return {"reminded": reminded, "overdue": overdue}
