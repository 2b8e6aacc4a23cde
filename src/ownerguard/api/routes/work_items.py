from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from ownerguard.api.deps import client_of, current_staff, runtime, uow
from ownerguard.api.schemas import AssignIn, WorkItemIn, WorkItemOut
from ownerguard.services.staff_access import freetext
from ownerguard.services.staff_access import work_items as svc
from ownerguard.services.staff_access.access import staff_context
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/work-orders", tags=["work orders"])


def _out(item: svc.WorkItem) -> WorkItemOut:
    return WorkItemOut(number=item.number, kind=item.kind, category=item.category,
                       status=item.status, assignee=item.assignee, room_id=item.room_id,
                       community_id=item.community_id)





@router.get("", response_model=list[WorkItemOut])
def list_items(mine: bool = False, who: StaffRecord = Depends(current_staff),
               unit: UnitOfWork = Depends(uow)) -> list[WorkItemOut]:
    items = svc.list_items(unit, who.company_id, communities=who.communities,
                           assignee=who.username if mine else None)
    return [_out(i) for i in items]


@router.post("", response_model=WorkItemOut, status_code=201)
def create(body: WorkItemIn, request: Request, who: StaffRecord = Depends(current_staff),
           unit: UnitOfWork = Depends(uow)) -> WorkItemOut:
    item = svc.open_item(runtime(request), unit, who, room_id=body.room_id, kind=body.kind,
                         category=body.category, assignee=body.assignee)
    unit.commit()
    return _out(item)


def _transition(request: Request, number: str, status: str, who: StaffRecord,
                unit: UnitOfWork, assignee: str | None = None) -> WorkItemOut:
    item = svc.move(runtime(request), unit, who, svc.visible(unit, who, number), status,
                    assignee=assignee)
    unit.commit()
    return _out(item)


@router.post("/{number}/assign", response_model=WorkItemOut)
def assign(number: str, body: AssignIn, request: Request,
           who: StaffRecord = Depends(current_staff), unit: UnitOfWork = Depends(uow)):
    return _transition(request, number, "assigned", who, unit, body.assignee)


@router.post("/{number}/done", response_model=WorkItemOut)
def done(number: str, request: Request, who: StaffRecord = Depends(current_staff),
         unit: UnitOfWork = Depends(uow)):
    return _transition(request, number, "done", who, unit)


@router.post("/{number}/close", response_model=WorkItemOut)
def close(number: str, request: Request, who: StaffRecord = Depends(current_staff),
          unit: UnitOfWork = Depends(uow)):
    return _transition(request, number, "closed", who, unit)


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@router.post("/{number}/comments", status_code=201)
def add_comment(number: str, body: CommentIn, request: Request,
                who: StaffRecord = Depends(current_staff), unit: UnitOfWork = Depends(uow)
                ) -> dict:
    """A free-text comment: stored sealed, shown with personal data masked."""
    item = svc.visible(unit, who, number)
    nid = freetext.write_note(runtime(request), unit, company_id=who.company_id,
                              author=who.username, role=who.role, kind="work_order_comment",
                              text=body.text, community_id=item.community_id,
                              work_item_id=item.id, work_item_number=item.number)
    unit.commit()
    return {"id": nid}


@router.get("/{number}/comments")
def comments(number: str, request: Request, reveal: bool = False,
             who: StaffRecord = Depends(current_staff), unit: UnitOfWork = Depends(uow)) -> dict:
    item = svc.visible(unit, who, number)
    ctx = staff_context(runtime(request), unit, who, purpose=None, client=client_of(request))
    views = freetext.read_notes(runtime(request), unit, ctx, work_item_id=item.id,
                                work_item_number=item.number, reveal=reveal)
    unit.commit()
    return {"comments": [{"id": v.id, "author": v.author, "created_at": v.created_at.isoformat(),
                          "text": v.text, "outcome": v.outcome, "finding_types": v.finding_types}
                         for v in views]}
