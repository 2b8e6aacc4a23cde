"""Notices (L25): check a draft for personal data; generate an arrears notice naming no one."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ownerguard.api.deps import current_staff, uow
from ownerguard.errors import Forbidden
from ownerguard.services.staff_access import notices
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/notices", tags=["notices"])


class DraftIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class ArrearsIn(BaseModel):
    community_id: str = Field(max_length=40)
    room_ids: list[str] = Field(min_length=1, max_length=20_000)
    period: str = Field(max_length=40, description="e.g. 2026年11月")


@router.post("/check")
def check(body: DraftIn, who: StaffRecord = Depends(current_staff)) -> dict:
    """Highlight personal data in a draft before publishing. Nothing is stored or logged."""
    result = notices.check(body.text)
    return {"ok": result.ok, "findings": result.findings, "masked": result.masked,
            "html": result.html}


@router.post("/arrears")
def arrears(body: ArrearsIn, who: StaffRecord = Depends(current_staff),
            unit: UnitOfWork = Depends(uow)) -> dict:
    if who.role != "dpo" and body.community_id not in {c for c, _ in who.scope}:
        raise Forbidden("out_of_scope")
    text = notices.arrears_notice(unit, company_id=who.company_id,
                                  community_id=body.community_id, room_ids=body.room_ids,
                                  period=body.period)
    return {"text": text, "check": notices.check(text).ok}
