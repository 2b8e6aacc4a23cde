"""The owner portal API: sign-in by phone and SMS code, my data, who used it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ownerguard.api.deps import client_of, runtime, uow
from ownerguard.domain.consent import NOTICE_TEXT_ZH, NOTICE_VERSION
from ownerguard.errors import NotFound
from ownerguard.services.owners import auth as owner_auth
from ownerguard.services.owners import consent as consent_svc
from ownerguard.services.owners import dossier as dossier_svc
from ownerguard.services.owners import inquiries as inquiries_svc
from ownerguard.services.owners import portal as owner_portal
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["owner portal"])


class OtpIn(BaseModel):
    phone: str = Field(max_length=30)


class OwnerLoginIn(BaseModel):
    phone: str = Field(max_length=30)
    code: str = Field(max_length=10)


def current_owner(request: Request, unit: UnitOfWork = Depends(uow)) -> owner_auth.OwnerSession:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    try:
        return owner_auth.authenticate(unit, token)
    except owner_auth.OwnerAuthError:
        unit.commit()
        raise


@router.post("/owner/otp", status_code=202)
def request_otp(body: OtpIn, request: Request, unit: UnitOfWork = Depends(uow)) -> dict:
    """Send a sign-in code by SMS. The answer is the same whether the number is registered."""
    try:
        owner_auth.request_code(runtime(request), unit, body.phone, client=client_of(request))
    except owner_auth.OwnerAuthError:
        unit.commit()
        raise
    unit.commit()
    return {"status": "sent_if_registered",
            "message": "如该号码已在物业登记，验证码已发送，5分钟内有效"}


@router.post("/owner/login")
def login(body: OwnerLoginIn, request: Request, unit: UnitOfWork = Depends(uow)) -> dict:
    try:
        session = owner_auth.login(runtime(request), unit, body.phone, body.code,
                                   client=client_of(request))
    except owner_auth.OwnerAuthError:
        unit.commit()      # tries count even when the code is wrong
        raise
    unit.commit()
    return {"access_token": session.token, "token_type": "bearer"}


@router.get("/me")
def me(request: Request, session: owner_auth.OwnerSession = Depends(current_owner),
       unit: UnitOfWork = Depends(uow)) -> dict:
    """Everything held about me and my household, each field with its purposes, legal basis,
    retention and who can see it."""
    data = owner_portal.my_data(runtime(request), unit, session, client=client_of(request))
    unit.commit()
    return data


@router.get("/me/access-log")
def access_log(session: owner_auth.OwnerSession = Depends(current_owner),
               unit: UnitOfWork = Depends(uow)) -> dict:
    """Every access to my data, newest first."""
    return {"entries": owner_portal.access_log(unit, session)}


class ConsentChange(BaseModel):
    kind: str = Field(max_length=20)
    target: str = Field(max_length=80)
    granted: bool
    person_id: str | None = Field(default=None, max_length=40)


class ConsentsIn(BaseModel):
    notice_version: str = Field(max_length=20)
    items: list[ConsentChange] = Field(min_length=1, max_length=50)


@router.get("/me/consents")
def get_consents(request: Request, session: owner_auth.OwnerSession = Depends(current_owner),
                 unit: UnitOfWork = Depends(uow)) -> dict:
    """The privacy notice in force and, per person of mine — and per child under 14 I am the
    guardian of — what has been consented to."""
    wards = consent_svc.wards(runtime(request), unit, session)
    out = []
    for (company, pid), guardian in [(p, False) for p in session.persons] + \
            [(w, True) for w in wards]:
        items = consent_svc.items_for(unit, company)
        state = consent_svc.current(unit, pid)
        out.append({"person_id": pid, "as_guardian": guardian, "items": [
            {"kind": i.kind, "target": i.target, "label": i.label_zh,
             "explanation": i.explanation_zh, "alternative": i.alternative_zh,
             "granted": state.get((i.kind, i.target), False)} for i in items]})
    unit.commit()
    return {"notice_version": NOTICE_VERSION, "notice": NOTICE_TEXT_ZH, "persons": out}


@router.put("/me/consents")
def put_consents(body: ConsentsIn, request: Request,
                 session: owner_auth.OwnerSession = Depends(current_owner),
                 unit: UnitOfWork = Depends(uow)) -> dict:
    """Grant or withdraw, one action each way; effective at once; a receipt for each change.
    A guardian names the child's ``person_id``; without one, the change applies to me."""
    mine = dict((p, c) for c, p in session.persons)
    wards: dict[str, str] | None = None
    receipts = []
    for item in body.items:
        targets = [item.person_id] if item.person_id else list(mine)
        for pid in targets:
            actor = session.actor
            if pid not in mine:
                if wards is None:  # the guardian's wards, read once
                    wards = {p: c for c, p in consent_svc.wards(runtime(request), unit, session)}
                if pid not in wards:
                    raise NotFound("person_not_found")
                actor = f"{session.actor}:guardian"
            r = consent_svc.set_consent(runtime(request), unit,
                                        company_id=mine.get(pid) or (wards or {})[pid],
                                        person_id=pid, kind=item.kind, target=item.target,
                                        granted=item.granted,
                                        notice_version=body.notice_version,
                                        actor=actor, client=client_of(request))
            receipts.append({"person_id": pid, **r.__dict__})
    unit.commit()
    return {"receipts": receipts}


class InquiryIn(BaseModel):
    kind: str = Field(max_length=30)
    text: str = Field(min_length=1, max_length=4000)
    person_id: str | None = Field(default=None, max_length=40)
    audit_entry: str | None = Field(default=None, max_length=120,
                                    description='an access-feed "entry" to flag as suspicious')


def _inquiry_out(i) -> dict:
    return inquiries_svc.summary(i)


@router.post("/me/inquiries", status_code=201)
def file_inquiry(body: InquiryIn, request: Request,
                 session: owner_auth.OwnerSession = Depends(current_owner),
                 unit: UnitOfWork = Depends(uow)) -> dict:
    """A written inquiry (书面质疑); the company must answer by the working-day deadline.
    Flag a suspicious access by passing its access-feed ``entry`` as ``audit_entry``."""
    item = inquiries_svc.file(runtime(request), unit, session, kind=body.kind,
                              text=body.text, person_id=body.person_id,
                              audit_ref=body.audit_entry or "")
    unit.commit()
    return _inquiry_out(item)


@router.get("/me/inquiries")
def my_inquiries(session: owner_auth.OwnerSession = Depends(current_owner),
                 unit: UnitOfWork = Depends(uow)) -> dict:
    return {"inquiries": [_inquiry_out(i) for i in inquiries_svc.mine(unit, session)]}


@router.get("/me/inquiries/{inquiry_id}")
def inquiry_detail(inquiry_id: str, request: Request,
                   session: owner_auth.OwnerSession = Depends(current_owner),
                   unit: UnitOfWork = Depends(uow)) -> dict:
    """My inquiry with its timeline (my letter, the company's answers, the committee's
    replies) and what I can do next."""
    out = inquiries_svc.detail(runtime(request), unit, session, inquiry_id,
                               client=client_of(request))
    unit.commit()
    return out


@router.post("/me/inquiries/{inquiry_id}/accept")
def accept_answer(inquiry_id: str, request: Request,
                  session: owner_auth.OwnerSession = Depends(current_owner),
                  unit: UnitOfWork = Depends(uow)) -> dict:
    item = inquiries_svc.accept(runtime(request), unit, session, inquiry_id)
    unit.commit()
    return _inquiry_out(item)


class EscalateIn(BaseModel):
    text: str = Field(default="", max_length=4000)


@router.post("/me/inquiries/{inquiry_id}/escalate")
def escalate(inquiry_id: str, request: Request, body: EscalateIn | None = None,
             session: owner_auth.OwnerSession = Depends(current_owner),
             unit: UnitOfWork = Depends(uow)) -> dict:
    """Take it to the owners' committee: after an answer, or once the deadline passed."""
    item = inquiries_svc.escalate(runtime(request), unit, session, inquiry_id,
                                  text=body.text if body else "")
    unit.commit()
    return _inquiry_out(item)


@router.get("/me/inquiries/{inquiry_id}/dossier", response_class=Response,
            responses={200: {"content": {"application/zip": {}}}})
def dossier(inquiry_id: str, request: Request,
            session: owner_auth.OwnerSession = Depends(current_owner),
            unit: UnitOfWork = Depends(uow)) -> Response:
    """The regulator dossier (zip: PDF, HTML, timeline JSON, audit extract CSV, manifest),
    once escalated or overdue. Built in memory, never stored."""
    name, data = dossier_svc.build(runtime(request), unit, session, inquiry_id,
                                   client=client_of(request))
    unit.commit()
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


@router.get("/me/provisions")
def my_provisions(session: owner_auth.OwnerSession = Depends(current_owner),
                  unit: UnitOfWork = Depends(uow)) -> dict:
    """Every time my data was provided to a third party: to whom, for what, which fields,
    when (L5, L10)."""
    from ownerguard.services.sharing import shares as shares_svc

    return {"provisions": shares_svc.provisions_for(unit, session.person_ids)}


@router.get("/me/notices")
def my_notices(request: Request, session: owner_auth.OwnerSession = Depends(current_owner),
               unit: UnitOfWork = Depends(uow)) -> dict:
    """Security incident notices that concern me (L21): what leaked, why, the possible harm,
    what was done, what I can do, whom to contact."""
    from ownerguard.services.sharing import incidents as incidents_svc
    from ownerguard.vault.policy import AccessContext

    ctx = AccessContext(actor=session.actor, role="owner", company_id="",
                        purpose="rights_request", scope=None, certified=True,
                        client=client_of(request))
    out = incidents_svc.for_owner(runtime(request), unit, session.person_ids, ctx)
    unit.commit()
    return {"notices": out}
