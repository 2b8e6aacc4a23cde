"""Partners, agreements, impact assessments, share packages, leak tracing and incidents
(L5, L10, L19–L21, L24). The DPO runs the registry and approves; a manager may request a share.
A partner fetches an approved package with its own key, until the share expires."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ownerguard.api.deps import client_of, require_role, runtime, uow
from ownerguard.errors import Invalid
from ownerguard.services.sharing import incidents as incidents_svc
from ownerguard.services.sharing import partners as partners_svc
from ownerguard.services.sharing import shares as shares_svc
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["third parties"])
DPO = require_role("dpo")
DPO_OR_MANAGER = require_role("dpo", "manager")
# The refusals of the registry, shares and incidents; a share's four-eyes refusal is a 409.
REFUSALS = (partners_svc.PartnerError, shares_svc.ShareError, incidents_svc.IncidentError)


def _who(who: StaffRecord) -> dict:
    return {"company_id": who.company_id, "actor": who.username, "role": who.role}


def _partner_out(p) -> dict:
    return {"id": p.id, "name": p.name, "kind": p.kind, "kind_label": partners_svc.KINDS[p.kind],
            "relationship": p.relationship, "status": p.status}


def _share_out(s) -> dict:
    return {"id": s.id, "number": s.number, "partner_id": s.partner_id, "purpose": s.purpose,
            "fields": list(s.fields), "clear_fields": list(s.clear_fields), "status": s.status,
            "requested_by": s.requested_by, "decided_by": s.decided_by,
            "expires_at": s.expires_at.isoformat(), "persons": s.persons_count,
            "delivered": s.delivered_at is not None,
            "deletion_confirmed": s.deletion_confirmed_at is not None}


# -- registry ---------------------------------------------------------------------------------

class PartnerIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Field(max_length=30)
    relationship: str = Field(max_length=20)
    contact: dict[str, str] | None = None


@router.post("/partners", status_code=201)
def register_partner(body: PartnerIn, request: Request, who: StaffRecord = Depends(DPO),
                     unit: UnitOfWork = Depends(uow)) -> dict:
    p = partners_svc.register(runtime(request), unit, **_who(who), name=body.name,
                              kind=body.kind, relationship=body.relationship,
                              contact=body.contact)
    unit.commit()
    return _partner_out(p)


@router.get("/partners")
def list_partners(who: StaffRecord = Depends(DPO_OR_MANAGER),
                  unit: UnitOfWork = Depends(uow)) -> dict:
    out = []
    for p in partners_svc.list_partners(unit, who.company_id):
        out.append({**_partner_out(p), "agreements": [
            {"id": a.id, "purposes": list(a.purposes), "fields": list(a.fields),
             "signed_on": a.signed_on.isoformat(), "expires_on": a.expires_on.isoformat(),
             "retention_days": a.retention_days}
            for a in partners_svc.agreements_of(unit, p.id)]})
    return {"partners": out}


class AgreementIn(BaseModel):
    purposes: list[str] = Field(min_length=1, max_length=20)
    fields: list[str] = Field(min_length=1, max_length=20)
    retention_days: int
    deletion_duty: str = Field(max_length=400)
    signed_on: date
    expires_on: date
    document_sha256: str = Field(max_length=64)
    sub_entrusting: bool = False


@router.post("/partners/{partner_id}/agreements", status_code=201)
def add_agreement(partner_id: str, body: AgreementIn, request: Request,
                  who: StaffRecord = Depends(DPO), unit: UnitOfWork = Depends(uow)) -> dict:
    a = partners_svc.add_agreement(runtime(request), unit, **_who(who),
                                   partner_id=partner_id, **body.model_dump())
    unit.commit()
    return {"id": a.id, "expires_on": a.expires_on.isoformat()}


class AssessmentIn(BaseModel):
    purpose: str = Field(max_length=40)
    fields: list[str] = Field(min_length=1, max_length=20)
    necessity: str = Field(max_length=2000)
    risks: str = Field(max_length=2000)
    safeguards: str = Field(max_length=2000)
    acceptable: bool


@router.post("/partners/{partner_id}/assessments", status_code=201)
def assess(partner_id: str, body: AssessmentIn, request: Request,
           who: StaffRecord = Depends(DPO), unit: UnitOfWork = Depends(uow)) -> dict:
    iid = partners_svc.assess(runtime(request), unit, **_who(who), partner_id=partner_id,
                              **body.model_dump())
    unit.commit()
    return {"id": iid}


# -- shares -----------------------------------------------------------------------------------

class ShareIn(BaseModel):
    partner_id: str = Field(max_length=40)
    purpose: str = Field(max_length=40)
    fields: list[str] = Field(min_length=1, max_length=20)
    clear_fields: list[str] = Field(default_factory=list, max_length=20)
    community_id: str | None = Field(default=None, max_length=40)
    days: int = shares_svc.DEFAULT_DAYS


@router.post("/shares", status_code=201)
def request_share(body: ShareIn, request: Request, who: StaffRecord = Depends(DPO_OR_MANAGER),
                  unit: UnitOfWork = Depends(uow)) -> dict:
    """Ask to share. Refused at once — with what to fix — without a live agreement covering the
    purpose and fields, or without an acceptable impact assessment."""
    try:
        s = shares_svc.request(runtime(request), unit, **_who(who), **body.model_dump(),
                               scope=None if who.role == "dpo" else who.scope)
    except REFUSALS:
        unit.rollback()
        raise
    unit.commit()
    return _share_out(s)


@router.get("/shares")
def list_shares(who: StaffRecord = Depends(DPO_OR_MANAGER),
                unit: UnitOfWork = Depends(uow)) -> dict:
    return {"shares": [_share_out(s) for s in shares_svc.list_shares(unit, who.company_id)]}


class DecisionIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


@router.post("/shares/{share_id}/decision")
def decide(share_id: str, body: DecisionIn, request: Request, who: StaffRecord = Depends(DPO),
           unit: UnitOfWork = Depends(uow)) -> dict:
    s = shares_svc.decide(runtime(request), unit, **_who(who), share_id=share_id,
                          approve=body.approve, note=body.note)
    unit.commit()
    return _share_out(s)


@router.get("/shares/{share_id}/download", response_class=Response)
def download(share_id: str, request: Request, format: str = "xlsx",
             who: StaffRecord = Depends(DPO_OR_MANAGER), unit: UnitOfWork = Depends(uow)
             ) -> Response:
    name, data = shares_svc.download(runtime(request), unit, **_who(who),
                                     share_id=share_id, fmt=format,
                                     client=client_of(request))
    unit.commit()
    media = "text/csv; charset=utf-8" if name.endswith(".csv") else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.post("/shares/{share_id}/api-key")
def api_key(share_id: str, request: Request, who: StaffRecord = Depends(DPO),
            unit: UnitOfWork = Depends(uow)) -> dict:
    token = shares_svc.issue_api_key(runtime(request), unit, **_who(who), share_id=share_id)
    unit.commit()
    return {"partner_key": token, "note": "仅显示一次；共享到期或撤销后失效"}


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@router.post("/shares/{share_id}/revoke")
def revoke(share_id: str, body: TextIn, request: Request, who: StaffRecord = Depends(DPO),
           unit: UnitOfWork = Depends(uow)) -> dict:
    s = shares_svc.revoke(runtime(request), unit, **_who(who), share_id=share_id,
                          reason=body.text)
    unit.commit()
    return _share_out(s)


@router.post("/shares/{share_id}/deletion")
def confirm_deletion(share_id: str, body: TextIn, request: Request,
                     who: StaffRecord = Depends(DPO), unit: UnitOfWork = Depends(uow)) -> dict:
    s = shares_svc.confirm_deletion(runtime(request), unit, **_who(who), share_id=share_id,
                                    note=body.text)
    unit.commit()
    return _share_out(s)


@router.get("/partner/package")
def partner_package(request: Request, unit: UnitOfWork = Depends(uow)) -> dict:
    """For the partner: the package its key was issued for, while the share is live."""
    share = shares_svc.by_api_key(unit, request.headers.get("x-partner-key", ""))
    columns, rows = shares_svc.package(runtime(request), unit, share, via="api",
                                       client=client_of(request))
    unit.commit()
    return {"share": share.number, "notice": shares_svc.banner(unit, share),
            "columns": [{"key": k, "label": label} for k, label in columns], "rows": rows}


# -- leak tracing -----------------------------------------------------------------------------

@router.post("/leaks/trace")
async def trace_leak(request: Request, filename: str = "", who: StaffRecord = Depends(DPO),
                     unit: UnitOfWork = Depends(uow)) -> dict:
    """Body: the leaked sheet (xlsx or CSV bytes) or pasted text. Ranked suspects, best first."""
    from ownerguard.services.sharing import leaks

    body = await request.body()
    if not body or len(body) > 20 * 1024 * 1024:
        raise Invalid("leak_upload_missing", mb=20)
    result = leaks.trace_bytes(runtime(request), unit, body, filename=filename,
                               actor=who.username, company_id=who.company_id)
    unit.commit()
    return result


class PhoneIn(BaseModel):
    phone: str = Field(max_length=30)


@router.post("/leaks/alias")
def alias_lookup(body: PhoneIn, request: Request, who: StaffRecord = Depends(DPO),
                 unit: UnitOfWork = Depends(uow)) -> dict:
    """A number that called or texted an owner: which package's alias it is, if any."""
    from ownerguard.services.sharing import leaks

    out = leaks.alias_lookup(runtime(request), unit, body.phone, actor=who.username,
                             company_id=who.company_id)
    unit.commit()
    return out


# -- incidents --------------------------------------------------------------------------------

class IncidentIn(BaseModel):
    source: str = Field(max_length=20)
    description: str = Field(min_length=1, max_length=4000)
    share_id: str | None = Field(default=None, max_length=40)
    alert_id: str | None = Field(default=None, max_length=40)
    person_ids: list[str] | None = Field(default=None, max_length=10000)
    fields: list[str] | None = Field(default=None, max_length=20)


def _incident_out(i) -> dict:
    return {"id": i.id, "number": i.number, "source": i.source, "source_ref": i.source_ref,
            "status": i.status, "affected_persons": i.affected_persons,
            "affected_fields": list(i.affected_fields),
            "owners_notified": i.owners_notified_at is not None,
            "regulator_report": i.regulator_report_at is not None}


@router.post("/incidents", status_code=201)
def open_incident(body: IncidentIn, request: Request, who: StaffRecord = Depends(DPO),
                  unit: UnitOfWork = Depends(uow)) -> dict:
    i = incidents_svc.open_incident(runtime(request), unit, **_who(who), **body.model_dump())
    unit.commit()
    return _incident_out(i)


@router.get("/incidents")
def list_incidents(who: StaffRecord = Depends(DPO), unit: UnitOfWork = Depends(uow)) -> dict:
    return {"incidents": [_incident_out(i)
                          for i in incidents_svc.list_incidents(unit, who.company_id)]}


class AssessIn(BaseModel):
    cause: str = Field(max_length=2000)
    harm: str = Field(max_length=2000)
    measures: str = Field(max_length=2000)
    advice: str = Field(max_length=2000)
    contact: str = Field(max_length=400)


@router.post("/incidents/{incident_id}/assessment")
def assess_incident(incident_id: str, body: AssessIn, request: Request,
                    who: StaffRecord = Depends(DPO), unit: UnitOfWork = Depends(uow)) -> dict:
    i = incidents_svc.assess(runtime(request), unit, **_who(who), incident_id=incident_id,
                             **body.model_dump())
    unit.commit()
    return _incident_out(i)


@router.post("/incidents/{incident_id}/notify")
def notify(incident_id: str, request: Request, who: StaffRecord = Depends(DPO),
           unit: UnitOfWork = Depends(uow)) -> dict:
    out = incidents_svc.notify_owners(runtime(request), unit, **_who(who),
                                      incident_id=incident_id, client=client_of(request))
    unit.commit()
    return out


@router.get("/incidents/{incident_id}/report", response_class=Response)
def report(incident_id: str, request: Request, who: StaffRecord = Depends(DPO),
           unit: UnitOfWork = Depends(uow)) -> Response:
    name, pdf = incidents_svc.regulator_report(runtime(request), unit, **_who(who),
                                               incident_id=incident_id)
    unit.commit()
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.post("/incidents/{incident_id}/actions", status_code=201)
def add_action(incident_id: str, body: TextIn, request: Request,
               who: StaffRecord = Depends(DPO), unit: UnitOfWork = Depends(uow)) -> dict:
    aid = incidents_svc.add_action(runtime(request), unit, **_who(who),
                                   incident_id=incident_id, text=body.text)
    unit.commit()
    return {"id": aid}


@router.post("/incidents/{incident_id}/actions/{action_id}/done")
def action_done(incident_id: str, action_id: str, request: Request,
                who: StaffRecord = Depends(DPO), unit: UnitOfWork = Depends(uow)) -> dict:
    incidents_svc.complete_action(runtime(request), unit, **_who(who),
                                  incident_id=incident_id, action_id=action_id)
    unit.commit()
    return {"done": True}


@router.post("/incidents/{incident_id}/close")
def close(incident_id: str, body: TextIn, request: Request, who: StaffRecord = Depends(DPO),
          unit: UnitOfWork = Depends(uow)) -> dict:
    i = incidents_svc.close(runtime(request), unit, **_who(who), incident_id=incident_id,
                            summary=body.text)
    unit.commit()
    return _incident_out(i)
