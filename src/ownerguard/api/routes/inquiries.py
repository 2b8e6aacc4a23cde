"""Inquiries seen from the company (answer them, by the deadline) and from the owners'
committee (read what owners escalated, masked, and reply)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from ownerguard.api.deps import client_of, require_role, runtime, uow
from ownerguard.services.owners import inquiries as inquiries_svc
from ownerguard.services.staff_access import access
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/inquiries", tags=["inquiries"])
READERS = (*inquiries_svc.ANSWERING_ROLES, inquiries_svc.COMMITTEE_ROLE)


def _ctx(request: Request, unit: UnitOfWork, who: StaffRecord):
    return access.staff_context(runtime(request), unit, who, client=client_of(request))


@router.get("")
def list_inquiries(request: Request, status: str | None = None,
                   who: StaffRecord = Depends(require_role(*READERS)),
                   unit: UnitOfWork = Depends(uow)) -> dict:
    """Inquiries in my scope, soonest due first. The committee sees escalated ones only."""
    items = inquiries_svc.staff_list(unit, _ctx(request, unit, who), status=status)
    return {"inquiries": items}


@router.get("/{inquiry_id}")
def show(inquiry_id: str, request: Request, reveal: bool = False,
         who: StaffRecord = Depends(require_role(*READERS)),
         unit: UnitOfWork = Depends(uow)) -> dict:
    """The inquiry and its timeline, texts masked; ``reveal`` shows them in clear to the DPO
    only (audited)."""
    out = inquiries_svc.staff_detail(runtime(request), unit, _ctx(request, unit, who),
                                     inquiry_id, reveal=reveal)
    unit.commit()
    return out


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@router.post("/{inquiry_id}/answer")
def answer(inquiry_id: str, body: TextIn, request: Request,
           who: StaffRecord = Depends(require_role(*inquiries_svc.ANSWERING_ROLES)),
           unit: UnitOfWork = Depends(uow)) -> dict:
    item = inquiries_svc.answer(runtime(request), unit, _ctx(request, unit, who),
                                inquiry_id, body.text)
    unit.commit()
    return inquiries_svc.summary(item, for_role=who.role)


@router.post("/{inquiry_id}/committee-reply")
def committee_reply(inquiry_id: str, body: TextIn, request: Request,
                    who: StaffRecord = Depends(require_role(inquiries_svc.COMMITTEE_ROLE)),
                    unit: UnitOfWork = Depends(uow)) -> dict:
    item = inquiries_svc.committee_reply(runtime(request), unit, _ctx(request, unit, who),
                                         inquiry_id, body.text)
    unit.commit()
    return inquiries_svc.summary(item, for_role=who.role)
