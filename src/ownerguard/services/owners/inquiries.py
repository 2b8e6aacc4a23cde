"""Written inquiries (书面质疑, L17, L18): an owner questions a leak, a suspicious access or
harassment calls; the company must answer by a deadline in working days; an owner who is not
satisfied, or gets no answer in time, takes it to the owners' committee (业主委员会), and if it
stays unresolved, to the authorities with a dossier (``services.dossier``).

Life of an inquiry::

    open ──answer──▶ answered ──accept──▶ accepted
      │                  │
      └─(overdue)────────┴──escalate──▶ escalated ──(committee replies, company answers)──
                                             │                                           │
                                             └──────────accept──────▶ resolved ◀──────────┘

Every step is an ``inquiry_events`` row (the timeline) and an audit entry. The words of each
step are sealed notes: the owner reads their own inquiry in clear, staff read it masked by the
PII detector (the DPO may reveal, audited), and the committee reads it masked, always, and sees
nothing else about the owner — no name, no room, no person id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update

from ownerguard import clock
from ownerguard.domain.deadlines import DEFAULT_WORKING_DAYS, add_working_days
from ownerguard.domain.model import new_id
from ownerguard.domain.staff import role_label
from ownerguard.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ownerguard.i18n import Label, has, label, translate
from ownerguard.services.owners.auth import OwnerSession
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import freetext
from ownerguard.store.tables import audit_log, inquiries, inquiry_events, notes, residencies
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.alarms import raise_alarm
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.policy import AccessContext

# Kinds, with their labels in the source language (the catalogue's ``ow_iq_kind_<kind>``).
# Statuses are labelled by ``iq_status.<status>``, timeline steps by ``ow_ev_<kind>``.
KINDS = {k: translate(f"ow_iq_kind_{k}") for k in ("leak", "suspicious_access", "harassment",
                                                   "other")}
ANSWERING_ROLES = ("dpo", "manager")
COMMITTEE_ROLE = "committee_member"


class InquiryError(Problem):
    """A refused step of an inquiry (the API, the portal and the console catch it), raised
    as one of the kinds below."""


class InquiryInvalid(InquiryError, Invalid):
    pass


class InquiryNotFound(InquiryError, NotFound):
    pass


class InquiryForbidden(InquiryError, Forbidden):
    pass


class InquiryConflict(InquiryError, Conflict):
    pass


@dataclass(frozen=True)
class Inquiry:
    id: str
    number: str
    person_id: str
    company_id: str
    community_id: str | None
    kind: str
    status: str
    created_at: datetime
    due: date
    due_estimated: bool
    audit_ref: str
    answered_at: datetime | None
    escalated_at: datetime | None
    closed_at: datetime | None

    def overdue(self, today: date | None = None) -> bool:
        """No answer by the end of the due date (L17)."""
        today = today or clock.today()
        return self.answered_at is None and self.status == "open" and today > self.due

    @property
    def closed(self) -> bool:
        return self.status in ("accepted", "resolved")


def _row(r) -> Inquiry:
    return Inquiry(r.id, r.number, r.person_id, r.company_id, r.community_id, r.kind, r.status,
                   r.created_at, r.due_date, r.due_estimated, r.audit_ref, r.answered_at,
                   r.escalated_at, r.closed_at)


def _not_found() -> InquiryError:
    return InquiryNotFound("inquiry_not_found")


# -- the owner's side --------------------------------------------------------------------------

def file(rt: Runtime, uow: UnitOfWork, session: OwnerSession, *, kind: str, text: str,
         person_id: str | None = None, audit_ref: str = "",
         working_days: int = DEFAULT_WORKING_DAYS) -> Inquiry:
    mine = {p: c for c, p in session.persons}
    if not mine:
        raise InquiryNotFound("no_person")
    pid = person_id or next(iter(mine))
    if pid not in mine:
        raise InquiryNotFound("person_not_found")
    if kind not in KINDS:
        raise InquiryInvalid("inquiry_bad_kind")
    if audit_ref and not _flaggable(uow, pid, audit_ref):
        # Only an entry of one's own access feed can be flagged.
        raise InquiryNotFound("access_entry_not_found")
    company_id = mine[pid]
    community_id = _community_of(uow, pid)
    note_id = _note(rt, uow, company_id, session.actor, "owner", "inquiry", text, community_id)
    now = clock.now()
    deadline = add_working_days(clock.local_date(now), working_days)
    number = f"IQ-{clock.local(now):%Y%m%d}-{os.urandom(2).hex().upper()}"
    iid = new_id()
    uow.conn.execute(insert(inquiries).values(
        id=iid, number=number, company_id=company_id, person_id=pid, kind=kind,
        note_id=note_id, audit_ref=audit_ref, status="open", created_at=now,
        due_date=deadline.due, due_estimated=deadline.estimated, community_id=community_id))
    item = _load(uow, iid)
    _event(rt, uow, item, session.actor, "owner", "filed", note_id)
    return item


def _note(rt: Runtime, uow: UnitOfWork, company_id: str, author: str, role: str, kind: str,
          text: str, community_id: str | None) -> str:
    try:
        return freetext.write_note(rt, uow, company_id=company_id, author=author, role=role,
                                   kind=kind, text=text, community_id=community_id)
    except freetext.TextError as exc:
        raise InquiryInvalid(exc.code, **exc.params) from None


def _community_of(uow: UnitOfWork, person_id: str) -> str | None:
    row = uow.conn.execute(select(residencies.c.community_id).where(
        residencies.c.person_id == person_id).order_by(residencies.c.community_id)
        .limit(1)).first()
    return row.community_id if row else None


def _flaggable(uow: UnitOfWork, person_id: str, ref: str) -> bool:
    chain_prefix, _, seq = ref.partition("#")
    if not seq.isdigit() or not chain_prefix:
        return False
    return uow.conn.execute(select(audit_log.c.id).where(
        audit_log.c.subject == person_id, audit_log.c.seq == int(seq),
        audit_log.c.chain.like(chain_prefix + "%")).limit(1)).first() is not None


def mine(uow: UnitOfWork, session: OwnerSession) -> list[Inquiry]:
    ids = session.person_ids
    if not ids:
        return []
    return [_row(r) for r in uow.conn.execute(select(inquiries).where(
        inquiries.c.person_id.in_(ids)).order_by(inquiries.c.created_at.desc()))]


def own(uow: UnitOfWork, session: OwnerSession, inquiry_id: str) -> Inquiry:
    """One of the session's inquiries, by id or number; anyone else's is simply not found."""
    item = _find(uow, inquiry_id)
    if item is None or item.person_id not in session.person_ids:
        raise _not_found()
    return item


def detail(rt: Runtime, uow: UnitOfWork, session: OwnerSession, inquiry_id: str,
           *, client: str = "") -> dict:
    item = own(uow, session, inquiry_id)
    ctx = AccessContext.for_owner(session.actor, item.company_id, client)
    return {**summary(item), "timeline": _timeline(rt, uow, ctx, item, reveal=True,
                                                   viewer="owner"),
            **_owner_actions(item)}


def _owner_actions(item: Inquiry) -> dict:
    overdue = item.overdue()
    return {"can_accept": item.status in ("answered", "escalated"),
            "can_escalate": item.status == "answered" or (item.status == "open" and overdue),
            "can_download_dossier": item.status == "escalated" or overdue}


def accept(rt: Runtime, uow: UnitOfWork, session: OwnerSession, inquiry_id: str) -> Inquiry:
    item = own(uow, session, inquiry_id)
    if not _owner_actions(item)["can_accept"]:
        raise InquiryConflict("not_answered")
    status = "resolved" if item.status == "escalated" else "accepted"
    uow.conn.execute(update(inquiries).where(inquiries.c.id == item.id).values(
        status=status, closed_at=clock.now()))
    _event(rt, uow, item, session.actor, "owner", "accept")
    return _load(uow, item.id)


def escalate(rt: Runtime, uow: UnitOfWork, session: OwnerSession, inquiry_id: str,
             text: str = "") -> Inquiry:
    """Take the inquiry to the owners' committee: after an unsatisfying answer, or when the
    company let the deadline pass without one (L17, L18)."""
    item = own(uow, session, inquiry_id)
    if not _owner_actions(item)["can_escalate"]:
        if item.status == "open":
            raise InquiryConflict("not_yet", due=item.due)
        raise InquiryConflict("escalate_bad_state", status=Label("iq_status", item.status))
    note_id = _note(rt, uow, item.company_id, session.actor, "owner", "inquiry_escalation",
                    text, item.community_id) if text.strip() else None
    uow.conn.execute(update(inquiries).where(inquiries.c.id == item.id).values(
        status="escalated", escalated_at=clock.now()))
    _event(rt, uow, item, session.actor, "owner", "escalate", note_id)
    raise_alarm(uow.conn, rt.audit, rt.keys, company_id=item.company_id, kind="inquiry_escalated",
                       severity="high", actor=session.actor, subject=item.person_id,
                       detail=f"书面质疑 {item.number} 已提交业主委员会")
    return _load(uow, item.id)


# -- the company's and the committee's side ---------------------------------------------------

def _communities(ctx: AccessContext) -> set[str] | None:
    return None if ctx.scope is None else {c for c, _ in ctx.scope}


def _visible(ctx: AccessContext, item: Inquiry) -> bool:
    if item.company_id != ctx.company_id:
        return False
    if ctx.role == COMMITTEE_ROLE:
        # The committee sees what owners brought to it, in its own community only.
        if item.escalated_at is None:
            return False
    elif ctx.role not in ANSWERING_ROLES:
        return False
    scope = _communities(ctx)
    return scope is None or item.community_id in scope


def staff_list(uow: UnitOfWork, ctx: AccessContext, *, status: str | None = None
               ) -> list[dict]:
    if ctx.role not in (*ANSWERING_ROLES, COMMITTEE_ROLE):
        raise InquiryForbidden("inquiry_reading_not_permitted")
    q = select(inquiries).where(inquiries.c.company_id == ctx.company_id)
    scope = _communities(ctx)
    if scope is not None:
        q = q.where(inquiries.c.community_id.in_(sorted(scope)))
    if ctx.role == COMMITTEE_ROLE:
        q = q.where(inquiries.c.escalated_at.is_not(None))
    if status:
        q = q.where(inquiries.c.status == status)
    items = [_row(r) for r in uow.conn.execute(q.order_by(inquiries.c.due_date,
                                                          inquiries.c.created_at))]
    return [summary(i, for_role=ctx.role) for i in items]


def staff_get(uow: UnitOfWork, ctx: AccessContext, inquiry_id: str) -> Inquiry:
    item = _find(uow, inquiry_id)
    if item is None or not _visible(ctx, item):
        raise _not_found()
    return item


def staff_detail(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, inquiry_id: str, *,
                 reveal: bool = False) -> dict:
    """The inquiry and its timeline for the company (masked; the DPO may reveal, audited) or
    for the committee (masked, and without anything that points at the owner)."""
    item = staff_get(uow, ctx, inquiry_id)
    reveal = reveal and ctx.role == "dpo"
    return {**summary(item, for_role=ctx.role),
            "timeline": _timeline(rt, uow, ctx, item, reveal=reveal, viewer=ctx.role)}


def answer(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, inquiry_id: str, text: str
           ) -> Inquiry:
    if ctx.role not in ANSWERING_ROLES:
        raise InquiryForbidden("inquiry_answer_not_permitted")
    item = staff_get(uow, ctx, inquiry_id)
    if item.closed:
        raise InquiryConflict("inquiry_closed")
    note_id = _note(rt, uow, item.company_id, ctx.actor, ctx.role, "inquiry_answer", text,
                    item.community_id)
    values: dict = {"answered_at": item.answered_at or clock.now()}
    if item.status == "open":
        values["status"] = "answered"
    uow.conn.execute(update(inquiries).where(inquiries.c.id == item.id).values(**values))
    _event(rt, uow, item, ctx.actor, ctx.role, "answer", note_id)
    return _load(uow, item.id)


def committee_reply(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, inquiry_id: str,
                    text: str) -> Inquiry:
    if ctx.role != COMMITTEE_ROLE:
        raise InquiryForbidden("committee_reply_not_permitted")
    item = staff_get(uow, ctx, inquiry_id)
    if item.status != "escalated":
        raise InquiryConflict("committee_reply_bad_state")
    note_id = _note(rt, uow, item.company_id, ctx.actor, ctx.role, "inquiry_committee", text,
                    item.community_id)
    _event(rt, uow, item, ctx.actor, ctx.role, "committee_reply", note_id)
    return _load(uow, item.id)


# -- deadlines --------------------------------------------------------------------------------

def sweep(rt: Runtime, uow: UnitOfWork, today: date | None = None) -> dict[str, int]:
    """Remind the DPO the working day before an inquiry falls due; flag it once overdue (L17).
    Idempotent: each inquiry is reminded once and flagged once."""
    today = today or clock.today()
    counts = {"reminded": 0, "overdue": 0}
    pending = [_row(r) for r in uow.conn.execute(select(inquiries).where(
        inquiries.c.status == "open", inquiries.c.answered_at.is_(None)))]
    flags = {r.id: r for r in uow.conn.execute(select(
        inquiries.c.id, inquiries.c.reminded_at, inquiries.c.overdue_at).where(
        inquiries.c.id.in_([i.id for i in pending])))} if pending else {}
    for item in pending:
        f = flags[item.id]
        if today > item.due and f.overdue_at is None:
            uow.conn.execute(update(inquiries).where(inquiries.c.id == item.id)
                             .values(overdue_at=clock.now()))
            _event(rt, uow, item, "system", "system", "overdue")
            raise_alarm(uow.conn, rt.audit, rt.keys, company_id=item.company_id, kind="inquiry_overdue",
                               severity="high", actor="system", subject=item.person_id,
                               detail=f"书面质疑 {item.number} 已逾期未答复（期限 {item.due}）")
            counts["overdue"] += 1
        elif today <= item.due and f.reminded_at is None \
                and add_working_days(today, 1).due >= item.due:
            uow.conn.execute(update(inquiries).where(inquiries.c.id == item.id)
                             .values(reminded_at=clock.now()))
            _event(rt, uow, item, "system", "system", "reminder")
            raise_alarm(uow.conn, rt.audit, rt.keys, company_id=item.company_id, kind="inquiry_due",
                               severity="medium", actor="system", subject=item.person_id,
                               detail=f"书面质疑 {item.number} 将于 {item.due} 到期")
            counts["reminded"] += 1
    return counts


# -- shared -----------------------------------------------------------------------------------

def local_time(value) -> str:
    """Times people read are Beijing time, to the second."""
    return clock.local(value).isoformat(timespec="seconds")


def summary(item: Inquiry, *, for_role: str = "owner") -> dict:
    out = {"id": item.id, "number": item.number, "kind": item.kind,
           "kind_label": KINDS.get(item.kind, item.kind), "status": item.status,
           "status_label": label("iq_status", item.status),
           "filed": local_time(item.created_at), "due": item.due.isoformat(),
           "due_estimated": item.due_estimated, "overdue": item.overdue(),
           "audit_entry": item.audit_ref or None}
    if for_role in ANSWERING_ROLES:
        # The company needs to know whose inquiry it answers; the committee does not.
        out["person_id"] = item.person_id
    return out


def _timeline(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, item: Inquiry, *,
              reveal: bool, viewer: str) -> list[dict]:
    from ownerguard.services.owners.portal import staff_reference

    rows = uow.conn.execute(select(inquiry_events, notes.c.text_ct).outerjoin(
        notes, notes.c.id == inquiry_events.c.note_id).where(
        inquiry_events.c.inquiry_id == item.id).order_by(inquiry_events.c.at,
                                                          inquiry_events.c.id)).all()
    out = []
    for r in rows:
        text = None
        if r.note_id is not None:
            text = rt.gate.read_text(uow, ctx, table="notes", column="text_ct", row_id=r.note_id,
                                     sealed=r.text_ct, reveal=reveal,
                                     subject=item.person_id,
                                     own=ctx.role == "owner").value
        if r.role == "owner":
            by = translate("owner_self" if viewer != "owner" else "ow_you")
        elif r.role == "system":
            by = translate("ow_system")
        else:
            by = f"{role_label(r.role).text()}（{staff_reference(item.company_id, r.actor)}）"
        out.append({"at": local_time(r.at), "kind": r.kind,
                    "label": translate(f"ow_ev_{r.kind}") if has(f"ow_ev_{r.kind}") else r.kind,
                    "role": r.role, "by": by, "text": text})
    return out


def timeline_for_owner(rt: Runtime, uow: UnitOfWork, session: OwnerSession, item: Inquiry,
                       *, client: str = "") -> list[dict]:
    return _timeline(rt, uow, AccessContext.for_owner(session.actor, item.company_id, client), item, reveal=True,
                     viewer="owner")


def _find(uow: UnitOfWork, key: str) -> Inquiry | None:
    col = inquiries.c.number if key.startswith("IQ-") else inquiries.c.id
    row = uow.conn.execute(select(inquiries).where(col == key)).first()
    return _row(row) if row else None


def _load(uow: UnitOfWork, iid: str) -> Inquiry:
    return _row(uow.conn.execute(select(inquiries).where(inquiries.c.id == iid)).one())


def _event(rt: Runtime, uow: UnitOfWork, item: Inquiry, actor: str, role: str, kind: str,
           note_id: str | None = None) -> None:
    uow.conn.execute(insert(inquiry_events).values(
        id=new_id(), inquiry_id=item.id, company_id=item.company_id, at=clock.now(),
        actor=actor, role=role, kind=kind, note_id=note_id))
    rt.audit.append(uow.conn, item.community_id or company_chain(item.company_id),
                    item.company_id, [AuditEvent(
                        actor=actor, role=role, action="inquiry", subject=item.person_id,
                        outcome=kind, reason=item.number)])
