"""DPO pages of the API: the audit log and the alert inbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from ownerguard.api.deps import client_of, require_role, runtime, uow
from ownerguard.api.schemas import ReviewIn
from ownerguard.services.oversight import alerts as alerts_svc
from ownerguard.services.oversight import audit_query
from ownerguard.services.staff_access import access
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["oversight"])
dpo_only = require_role("dpo")


@router.get("/audit")
def audit(person_id: str | None = Query(None, max_length=40),
          actor: str | None = Query(None, max_length=120),
          since: str | None = Query(None, max_length=40, description="ISO time, UTC"),
          limit: int = Query(200, ge=1, le=5000),
          who: StaffRecord = Depends(dpo_only), unit: UnitOfWork = Depends(uow)) -> dict:
    """Audit entries of your company, newest first (DPO only). Entries hold ids and codes,
    never personal values."""
    return {"entries": audit_query.search(unit, who.company_id, person_id=person_id,
                                          actor=actor, since=since, limit=limit)}


@router.get("/alerts")
def list_alerts(status: str | None = Query("open", max_length=20),
                who: StaffRecord = Depends(dpo_only), unit: UnitOfWork = Depends(uow)) -> dict:
    items = alerts_svc.list_alerts(unit, who.company_id, status=status or None)
    return {"alerts": [{"id": a.id, "kind": a.kind, "kind_zh": a.kind_zh,
                        "severity": a.severity, "actor": a.actor, "subject": a.subject,
                        "detail": a.detail, "created_at": a.created_at.isoformat(),
                        "status": a.status, "resolution": a.resolution} for a in items]}


@router.get("/alerts/{alert_id}/note")
def alert_note(alert_id: str, request: Request, who: StaffRecord = Depends(dpo_only),
               unit: UnitOfWork = Depends(uow)) -> dict:
    """The written reason given for an emergency reveal (DPO review)."""
    rt = runtime(request)
    ctx = access.staff_context(rt, unit, who, purpose="oversight", client=client_of(request))
    text = alerts_svc.note(rt, unit, ctx, alert_id)
    unit.commit()      # the read is audited
    return {"note": text}


@router.post("/alerts/{alert_id}/review", status_code=204)
def review_alert(alert_id: str, body: ReviewIn, request: Request,
                 who: StaffRecord = Depends(dpo_only), unit: UnitOfWork = Depends(uow)) -> None:
    alerts_svc.review(runtime(request), unit, company_id=who.company_id,
                      alert_id=alert_id, reviewer=who.username, resolution=body.resolution)
    unit.commit()
