"""Written inquiries (书面质疑, L17, L18): an owner questions a leak, a suspicious access or
harassment calls; the company must answer by a deadline in working days.

This part files the inquiry (the letter sealed like any free text, an access-feed entry it
flags) and computes the deadline; answers, acceptance, escalation to the owners' committee and
the regulator dossier follow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from ..domain.deadlines import DEFAULT_WORKING_DAYS, add_working_days
from ..domain.model import new_id
from ..store.tables import audit_log, inquiries
from ..store.uow import UnitOfWork
from . import clock, freetext
from .errors import UserError
from .owner_auth import OwnerSession
from .runtime import Runtime

KINDS = {"leak": "信息泄露", "suspicious_access": "可疑查看", "harassment": "骚扰电话/短信",
         "other": "其他"}


class InquiryError(UserError):
    pass


@dataclass(frozen=True)
class Inquiry:
    id: str
    number: str
    person_id: str
    kind: str
    status: str
    due: date
    due_estimated: bool
    audit_ref: str


def _row(r) -> Inquiry:
    return Inquiry(r.id, r.number, r.person_id, r.kind, r.status, r.due_date, r.due_estimated,
                   r.audit_ref)


def file(rt: Runtime, uow: UnitOfWork, session: OwnerSession, *, kind: str, text: str,
         person_id: str | None = None, audit_ref: str = "",
         working_days: int = DEFAULT_WORKING_DAYS) -> Inquiry:
    mine = {p: c for c, p in session.persons}
    if not mine:
        raise InquiryError("no_person", "未找到您的登记信息", "no record for this phone")
    pid = person_id or next(iter(mine))
    if pid not in mine:
        raise InquiryError("not_found", "没有这个人员", "no such person")
    if kind not in KINDS:
        raise InquiryError("bad_kind", f"类型应为：{'、'.join(KINDS.values())}",
                           f"kind must be one of {', '.join(KINDS)}")
    if audit_ref and not _flaggable(uow, pid, audit_ref):
        # Only an entry of one's own access feed can be flagged.
        raise InquiryError("not_found", "访问记录不存在", "no such access entry")
    company_id = mine[pid]
    try:
        note_id = freetext.write_note(rt, uow, company_id=company_id, author=session.actor,
                                      role="owner", kind="inquiry", text=text)
    except freetext.TextError as exc:
        raise InquiryError("bad_text", str(exc), str(exc)) from None
    now = clock.now()
    deadline = add_working_days(now.astimezone(clock.LOCAL).date(), working_days)
    number = f"IQ-{now.astimezone(clock.LOCAL):%Y%m%d}-{os.urandom(2).hex().upper()}"
    iid = new_id()
    uow.conn.execute(insert(inquiries).values(
        id=iid, number=number, company_id=company_id, person_id=pid, kind=kind,
        note_id=note_id, audit_ref=audit_ref, status="open", created_at=now,
        due_date=deadline.due, due_estimated=deadline.estimated))
    return _row(uow.conn.execute(select(inquiries).where(inquiries.c.id == iid)).one())


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
