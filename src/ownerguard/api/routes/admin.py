"""Account administration — the sysadmin's job, who never sees personal data."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from ownerguard.api.deps import require_role, runtime, uow
from ownerguard.errors import Forbidden, NotFound
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/staff", tags=["administration"])
admins = require_role("sysadmin", "manager")


class StaffIn(BaseModel):
    username: str = Field(max_length=80)
    role: str = Field(max_length=40)
    password: str = Field(max_length=200)
    display_name: str | None = Field(default=None, max_length=80)
    scope: list[tuple[str, str | None]] = Field(default_factory=list, max_length=200)


def _out(r: StaffRecord, unit: UnitOfWork) -> dict:
    cert = staff_svc.certification(unit, r.id)
    return {"username": r.username, "display_name": r.display_name, "role": r.role,
            "kind": r.kind, "disabled": r.disabled, "certified": cert.certified,
            "scope": sorted([c, b] for c, b in r.scope)}


@router.get("")
def list_staff(who: StaffRecord = Depends(admins), unit: UnitOfWork = Depends(uow)) -> dict:
    return {"staff": [_out(r, unit) for r in staff_svc.list_staff(unit, who.company_id)]}


@router.post("", status_code=201)
def add(body: StaffIn, request: Request, who: StaffRecord = Depends(admins),
        unit: UnitOfWork = Depends(uow)) -> dict:
    if who.role == "manager" and body.role in ("dpo", "sysadmin", "manager"):
        raise Forbidden("role_not_permitted")
    uri = staff_svc.add_staff(runtime(request), unit, company_id=who.company_id,
                              username=body.username, role=body.role,
                              scope=[(c, b) for c, b in body.scope], password=body.password,
                              actor=who.username, display_name=body.display_name)
    unit.commit()
    return {"username": body.username, "totp_uri": uri}


@router.post("/{username}/disable", status_code=204)
def disable(username: str, request: Request, who: StaffRecord = Depends(admins),
            unit: UnitOfWork = Depends(uow)) -> None:
    record = staff_svc.get(unit, username=username)
    if record is None or record.company_id != who.company_id:
        raise NotFound("account_not_found")
    staff_svc.set_disabled(runtime(request), unit, record, True, who.username)
    unit.commit()
