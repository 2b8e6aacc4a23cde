"""Inquiries seen from the company (answer them, by the deadline) and from the owners'
committee (read what owners escalated, masked, and reply)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from ownerguard.api.deps import client_of, error, require_role, runtime, uow
from ownerguard.services.owners import inquiries as inquiries_svc
from ownerguard.services.staff_access import access
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/inquiries", tags=["inquiries"])
READERS = (*inquiries_svc.ANSWERING_ROLES, inquiries_svc.COMMITTEE_ROLE)


def _ctx(request: Request, unit: UnitOfWork, who: StaffRecord):
    return access.staff_context(runtime(request), unit, who, client=client_of(request))


def _fail(exc: inquiries_svc.InquiryError):
    status = {"inquiry_not_found": 404, "inquiry_reading_not_permitted": 403,
              "inquiry_answer_not_permitted": 403, "committee_reply_not_permitted": 403}.get(
        exc.code, 409 if exc.code in ("inquiry_closed", "escalate_bad_state",
                                      "committee_reply_bad_state") else 422)
    return error(status, exc.code, exc.zh, exc.en)


@router.get("")
def list_inquiries(request: Request, status: str | None = None,
                   who: StaffRecord = Depends(require_role(*READERS)),
                   unit: UnitOfWork = Depends(uow)) -> dict:
    """Inquiries in my scope, soonest due first. The committee sees escalated ones only."""
    try:
        items = inquiries_svc.staff_list(unit, _ctx(request, unit, who), status=status)
    except inquiries_svc.InquiryError as exc:
        raise _fail(exc) from None
    return {"inquiries": items}


@router.get("/{inquiry_id}")
def show(inquiry_id: str, request: Request, reveal: bool = False,
         who: StaffRecord = Depends(require_role(*READERS)),
         unit: UnitOfWork = Depends(uow)) -> dict:
    """The inquiry and its timeline, texts masked; ``reveal`` shows them in clear to the DPO
    only (audited)."""
    try:
        out = inquiries_svc.staff_detail(runtime(request), unit, _ctx(request, unit, who),
                                         inquiry_id, reveal=reveal)
    except inquiries_svc.InquiryError as exc:
        raise _fail(exc) from None
    unit.commit()
    return out


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@router.post("/{inquiry_id}/answer")
def answer(inquiry_id: str, body: TextIn, request: Request,
           who: StaffRecord = Depends(require_role(*inquiries_svc.ANSWERING_ROLES)),
           unit: UnitOfWork = Depends(uow)) -> dict:
    try:
        item = inquiries_svc.answer(runtime(request), unit, _ctx(request, unit, who),
                                    inquiry_id, body.text)
    except inquiries_svc.InquiryError as exc:
        raise _fail(exc) from None
    unit.commit()
    return inquiries_svc.summary(item, for_role=who.role)


@router.post("/{inquiry_id}/committee-reply")
def committee_reply(inquiry_id: str, body: TextIn, request: Request,
                    who: StaffRecord = Depends(require_role(inquiries_svc.COMMITTEE_ROLE)),
                    unit: UnitOfWork = Depends(uow)) -> dict:
    try:
        item = inquiries_svc.committee_reply(runtime(request), unit, _ctx(request, unit, who),
                                             inquiry_id, body.text)
    except inquiries_svc.InquiryError as exc:
        raise _fail(exc) from None
    unit.commit()
    return inquiries_svc.summary(item, for_role=who.role)
