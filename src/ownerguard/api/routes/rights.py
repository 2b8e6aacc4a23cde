"""Owners' rights requests (L11–L17): owners file and follow them under ``/me/requests``;
the DPO and community managers decide them under ``/requests``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ownerguard.api.deps import client_of, require_role, runtime, uow
from ownerguard.api.routes.owner import current_owner
from ownerguard.domain.rights import KINDS, ON_BEHALF, REFUSAL_REASONS
from ownerguard.services.owners import rights as rights_svc
from ownerguard.services.owners.auth import OwnerSession
from ownerguard.services.staff_access import access
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["rights requests"])

class HeirIn(BaseModel):
    name: str = Field(max_length=100)
    room: str = Field(max_length=100)
    relationship: str = Field(max_length=40)


class RequestIn(BaseModel):
    kind: str = Field(max_length=20, description=" | ".join(KINDS))
    text: str = Field(default="", max_length=4000)
    person_id: str | None = Field(default=None, max_length=40)
    on_behalf: str = Field(default="self", max_length=20, description=" | ".join(ON_BEHALF))
    corrections: dict[str, str] | None = Field(default=None, max_length=10,
                                               description="field → correct value")
    heir: HeirIn | None = None


def _out(r: rights_svc.RightsRequest) -> dict:
    return {"id": r.id, "number": r.number, "kind": r.kind, "on_behalf": r.on_behalf,
            "status": r.status, "due": r.due.isoformat(), "due_estimated": r.due_estimated,
            "outcome": r.outcome, "created_at": r.created_at.isoformat(timespec="seconds"),
            "decided_at": r.decided_at.isoformat(timespec="seconds") if r.decided_at else None}


@router.post("/me/requests", status_code=201)
def file_request(body: RequestIn, request: Request,
                 session: OwnerSession = Depends(current_owner),
                 unit: UnitOfWork = Depends(uow)) -> dict:
    """Exercise a right: access, copy, portability, correction, deletion, restriction or
    explanation; for oneself, a minor household member (``guardian``) or a deceased relative
    (``heir``, with ``heir`` details instead of ``person_id``)."""
    r = rights_svc.file(runtime(request), unit, session, kind=body.kind, text=body.text,
                        person_id=body.person_id, on_behalf=body.on_behalf,
                        corrections=body.corrections,
                        heir_claim=body.heir.model_dump() if body.heir else None,
                        client=client_of(request))
    unit.commit()
    return _out(r)


@router.get("/me/requests")
def my_requests(session: OwnerSession = Depends(current_owner),
                unit: UnitOfWork = Depends(uow)) -> dict:
    return {"requests": [_out(r) for r in rights_svc.mine(unit, session)]}


@router.get("/me/requests/{request_id}")
def my_request(request_id: str, request: Request,
               session: OwnerSession = Depends(current_owner),
               unit: UnitOfWork = Depends(uow)) -> dict:
    """One request with its outcome; a refusal with its reason code, the code's text and the
    written reason (L17); an explanation with the processing rules (L15)."""
    d = rights_svc.detail(runtime(request), unit, session, request_id,
                          client=client_of(request))
    unit.commit()
    out = _out(d["request"])
    text = d["outcome_text"]
    out["outcome_text"] = text[0] if text else None
    out["outcome_text_en"] = text[1] if text else None
    out["refusal"] = {"code": d["request"].outcome, "text": text[0], "text_en": text[1],
                      "reason": d["reason"]} if d["request"].status == "refused" else None
    out["reason"] = d["reason"]
    out["explanation"] = d["explanation"]
    if d["request"].kind in ("access", "copy", "portability") and d["request"].status == "done":
        out["download"] = {fmt: f"/api/v1/me/requests/{request_id}/download?format={fmt}"
                           for fmt in ("json", "xlsx")}
    return out


_MEDIA = {"json": "application/json",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/me/requests/{request_id}/download")
def download(request_id: str, request: Request,
             format: str = Query("json", pattern="^(json|xlsx)$"),
             session: OwnerSession = Depends(current_owner),
             unit: UnitOfWork = Depends(uow)) -> Response:
    """My data as a file (access, copy, portability): JSON with a schema version, or xlsx.
    Built in memory, never written to disk; the read is audited (``self_copy``)."""
    data = rights_svc.copy_of(runtime(request), unit, session, request_id, format,
                              client=client_of(request))
    unit.commit()
    return Response(data, media_type=_MEDIA[format], headers={
        "Content-Disposition": f'attachment; filename="my-data-{request_id[:8]}.{format}"',
        "Cache-Control": "no-store"})


# -- staff ------------------------------------------------------------------------------------

def _ctx(request: Request, unit: UnitOfWork, who: StaffRecord):
    return access.staff_context(runtime(request), unit, who,
                                purpose=rights_svc.decider_purpose(who.role),
                                client=client_of(request))


_deciders = require_role(*rights_svc.DECIDERS)


@router.get("/requests")
def queue(request: Request, status: str | None = Query("open", pattern="^(open|done|refused)$"),
          who: StaffRecord = Depends(_deciders), unit: UnitOfWork = Depends(uow)) -> dict:
    """The rights-request queue (no personal values): the DPO sees the company's, a manager
    their communities'. ``overdue`` is past the working-day deadline and still open."""
    communities = None if who.role == "dpo" else sorted({c for c, _ in who.scope})
    return {"requests": rights_svc.pending(unit, who.company_id, communities, status=status),
            "refusal_reasons": {c: {"zh": zh, "en": en}
                                for c, (zh, en) in REFUSAL_REASONS.items()}}


@router.get("/requests/{request_id}")
def review(request_id: str, request: Request, who: StaffRecord = Depends(_deciders),
           unit: UnitOfWork = Depends(uow)) -> dict:
    """What the decider needs: the owner's words and proposed values (clear for the DPO,
    masked for a manager). Audited."""
    ctx = _ctx(request, unit, who)
    d = rights_svc.review(runtime(request), unit, ctx, request_id)
    unit.commit()
    return {**_out(d["request"]), "text": d["text"], "corrections": d["corrections"],
            "heir": d["heir"]}


class DecisionIn(BaseModel):
    approve: bool
    outcome: str | None = Field(default=None, max_length=40,
                                description="refusal code (required to refuse), or "
                                            "legal_retention to restrict a deletion")
    reason: str = Field(default="", max_length=4000,
                        description="written reason, required to refuse (L17)")


@router.post("/requests/{request_id}/decision")
def decision(request_id: str, body: DecisionIn, request: Request,
             who: StaffRecord = Depends(_deciders), unit: UnitOfWork = Depends(uow)) -> dict:
    ctx = _ctx(request, unit, who)
    r = rights_svc.decide(runtime(request), unit, ctx, request_id, approve=body.approve,
                          outcome_code=body.outcome, reason_text=body.reason)
    unit.commit()
    return _out(r)


class VerifyHeirIn(BaseModel):
    person_id: str = Field(max_length=40)


@router.post("/requests/{request_id}/verify-heir")
def verify_heir(request_id: str, body: VerifyHeirIn, request: Request,
                who: StaffRecord = Depends(require_role("dpo")),
                unit: UnitOfWork = Depends(uow)) -> dict:
    """L16: link an heir's request to the deceased's record once the documents are checked."""
    ctx = _ctx(request, unit, who)
    r = rights_svc.verify_heir(runtime(request), unit, ctx, request_id, body.person_id)
    unit.commit()
    return _out(r)
