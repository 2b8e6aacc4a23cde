"""The compliance self-audit report for the DPO (L23): PDF, HTML (the console links it) or
JSON."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ownerguard import clock
from ownerguard.api.deps import require_role, runtime, uow
from ownerguard.errors import Invalid
from ownerguard.services.oversight import compliance_report
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/reports", tags=["oversight"])
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
         "json": "application/json"}


@router.get("/compliance", response_class=Response)
def compliance(request: Request, start: date | None = None, end: date | None = None,
               format: str = "pdf", who: StaffRecord = Depends(require_role("dpo")),
               unit: UnitOfWork = Depends(uow)) -> Response:
    """``?start=&end=`` (default: the last 90 days) ``&format=pdf|html|json``."""
    if format not in MEDIA:
        raise Invalid("report_bad_format")
    end = end or clock.today()
    start = start or end - timedelta(days=90)
    if end < start:
        raise Invalid("report_bad_dates")
    data = compliance_report.build(runtime(request), unit, who.company_id, start, end, format)
    headers = {"Cache-Control": "no-store"}
    if format == "pdf":
        headers["Content-Disposition"] = f'attachment; filename="compliance-{start}-{end}.pdf"'
    return Response(data, media_type=MEDIA[format], headers=headers)
