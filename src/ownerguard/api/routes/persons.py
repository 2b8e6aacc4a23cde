from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ownerguard.api.deps import client_of, current_staff, runtime, uow
from ownerguard.api.schemas import PersonOut, PersonPage, RevealIn, RevealOut, person_out
from ownerguard.edge import accepted_language
from ownerguard.errors import Forbidden
from ownerguard.i18n import describe
from ownerguard.services.staff_access import access
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.policy import Outcome

router = APIRouter(prefix="/api/v1/persons", tags=["persons"])
_403: dict[int | str, dict[str, Any]] = {403: {"description": '{"detail": {"code", "reason"}}'}}


def _context(request, unit, who, purpose, work_item=None, emergency_reason=None):
    return access.staff_context(runtime(request), unit, who, purpose=purpose,
                                work_item=work_item, emergency_reason=emergency_reason,
                                client=client_of(request))


@router.get("", response_model=PersonPage)
def list_persons(request: Request, q: str | None = Query(None, max_length=40),
                 building: str | None = Query(None, max_length=40),
                 room: str | None = Query(None, max_length=40),
                 page: int = Query(1, ge=1, le=10_000),
                 purpose: str | None = Query(None, max_length=40),
                 who: StaffRecord = Depends(current_staff),
                 unit: UnitOfWork = Depends(uow)) -> PersonPage:
    """Masked list of persons in your scope (50 a page). ``q``: phone, its last four digits,
    ID number or exact name."""
    ctx = _context(request, unit, who, purpose)
    result = access.list_persons(runtime(request), unit, ctx, q=q, building=building,
                                 room=room, page=page)
    unit.commit()
    return PersonPage(items=[person_out(v) for v in result.views], page=result.page,
                      has_more=result.has_more, purpose=ctx.purpose)


@router.get("/{person_id}", response_model=PersonOut, responses=_403)
def get_person(person_id: str, request: Request,
               purpose: str | None = Query(None, max_length=40),
               who: StaffRecord = Depends(current_staff),
               unit: UnitOfWork = Depends(uow)) -> PersonOut:
    """The masked record: every field your role may see for the purpose."""
    ctx = _context(request, unit, who, purpose)
    view = access.record(runtime(request), unit, ctx, person_id)
    unit.commit()
    if all(s.outcome is Outcome.DENIED for s in view.fields.values()):
        raise Forbidden(next(iter(view.fields.values())).reason)
    return person_out(view)


@router.post("/{person_id}/reveal", response_model=RevealOut, responses=_403)
def reveal(person_id: str, body: RevealIn, request: Request,
           who: StaffRecord = Depends(current_staff),
           unit: UnitOfWork = Depends(uow)) -> RevealOut:
    """Clear values for a stated purpose (and work order, where the purpose needs one).
    Audited; 403 with the reason when nothing may be shown in clear."""
    ctx = _context(request, unit, who, body.purpose, body.work_order_id, body.emergency_reason)
    view = access.reveal(runtime(request), unit, ctx, person_id, body.fields,
                         emergency_reason=body.emergency_reason)
    unit.commit()      # the audit entries (and any alert) are kept whatever the outcome
    values = {f: s.value for f, s in view.fields.items() if s.outcome is Outcome.CLEAR}
    refused = {f: {"code": s.reason, "reason": describe(s.reason, accepted_language(request))}
               for f, s in view.fields.items() if s.outcome is not Outcome.CLEAR}
    if not values:
        first = next(iter(refused.values()))
        raise Forbidden(first["code"])
    return RevealOut(person_id=person_id, purpose=body.purpose, values=values, refused=refused)
