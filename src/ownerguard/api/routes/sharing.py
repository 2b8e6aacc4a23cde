"""Exports (request → DPO approval → watermarked file) and contact-without-revealing."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from ownerguard.adapters.contact import ContactError
from ownerguard.api.deps import client_of, current_staff, runtime, uow
from ownerguard.services.sharing import exports as exports_svc
from ownerguard.services.staff_access import access, contact_owner
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["exports and contact"])


class ExportIn(BaseModel):
    purpose: str = Field(max_length=40)
    fields: list[str] = Field(min_length=1, max_length=20)
    community_id: str = Field(max_length=40)
    building_id: str | None = Field(default=None, max_length=40)


class ContactIn(BaseModel):
    work_order_id: str = Field(max_length=40)
    channel: str = Field(pattern="^(sms|call)$")
    purpose: str = Field(default="repair", max_length=40)


def _export_out(e: exports_svc.Export) -> dict:
    return {"id": e.id, "number": e.number, "requester": e.requester, "purpose": e.purpose,
            "fields": list(e.fields), "selection": e.selection, "status": e.status,
            "approver": e.approver, "row_count": e.row_count, "file_sha256": e.file_sha256}


@router.post("/exports", status_code=201)
def request_export(body: ExportIn, request: Request, who: StaffRecord = Depends(current_staff),
                   unit: UnitOfWork = Depends(uow)) -> dict:
    item = exports_svc.request(runtime(request), unit, who, purpose=body.purpose,
                               fields=body.fields, community_id=body.community_id,
                               building_id=body.building_id)
    unit.commit()
    return _export_out(item)


@router.get("/exports")
def list_exports(who: StaffRecord = Depends(current_staff), unit: UnitOfWork = Depends(uow)
                 ) -> dict:
    mine = None if who.role == "dpo" else who.username
    return {"exports": [_export_out(e) for e in
                        exports_svc.list_exports(unit, who.company_id, requester=mine)]}


@router.post("/exports/{export_id}/approve")
def approve(export_id: str, request: Request, who: StaffRecord = Depends(current_staff),
            unit: UnitOfWork = Depends(uow)) -> dict:
    return _decide(export_id, request, who, unit, True)


@router.post("/exports/{export_id}/reject")
def reject(export_id: str, request: Request, who: StaffRecord = Depends(current_staff),
           unit: UnitOfWork = Depends(uow)) -> dict:
    return _decide(export_id, request, who, unit, False)


def _decide(export_id, request, who, unit, approve_it: bool) -> dict:
    item = exports_svc.decide(runtime(request), unit, who, export_id, approve=approve_it)
    unit.commit()
    return _export_out(item)


@router.get("/exports/{export_id}/download", response_class=FileResponse)
def download(export_id: str, request: Request, who: StaffRecord = Depends(current_staff),
             unit: UnitOfWork = Depends(uow)):
    path = exports_svc.generate(runtime(request), unit, who, export_id,
                                client=client_of(request))
    unit.commit()
    return FileResponse(path, filename=path.name, media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


@router.post("/persons/{person_id}/contact")
def contact(person_id: str, body: ContactIn, request: Request,
            who: StaffRecord = Depends(current_staff), unit: UnitOfWork = Depends(uow)) -> dict:
    """Text the owner or get an alias number to call, for a live work order assigned to you.
    The owner's number is never returned."""
    try:
        ctx = access.staff_context(runtime(request), unit, who, purpose=body.purpose,
                                   work_item=body.work_order_id, client=client_of(request))
        result = contact_owner.contact(runtime(request), unit, ctx, person_id,
                                       channel=body.channel)
    except (contact_owner.ContactRefused, ContactError):
        unit.commit()      # the refused or failed attempt stays in the audit log
        raise
    unit.commit()
    return {"channel": result.channel, "alias_number": result.alias_number,
            "message_id": result.message_id}
