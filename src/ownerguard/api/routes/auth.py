from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ownerguard.api.deps import client_of, current_session, runtime, uow
from ownerguard.api.schemas import LoginIn, TokenOut
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.services.staff_access import auth as auth_svc
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/login", response_model=TokenOut,
             responses={401: {"description": "wrong credentials, locked, OTP needed"}})
def login(body: LoginIn, request: Request, unit: UnitOfWork = Depends(uow)) -> TokenOut:
    """Sign in with username, password and (for roles that can reveal) a TOTP code."""
    try:
        session = auth_svc.login(runtime(request), unit, body.username, body.password,
                                 body.otp, client=client_of(request), kind="api")
    except auth_svc.AuthError:
        unit.commit()     # keep the failed attempt: lockout and rate limits count it
        raise
    unit.commit()
    return TokenOut(access_token=session.token)


@router.post("/logout", status_code=204)
def logout(request: Request, session: auth_svc.Session = Depends(current_session),
           unit: UnitOfWork = Depends(uow)) -> None:
    auth_svc.logout(runtime(request), unit, session, client_of(request))
    unit.commit()


@router.get("/me")
def me(session: auth_svc.Session = Depends(current_session),
       unit: UnitOfWork = Depends(uow)) -> dict:
    who = session.staff
    cert = staff_svc.certification(unit, who.id)
    return {"username": who.username, "display_name": who.display_name, "role": who.role,
            "certified": cert.certified or who.kind == "service",
            "training_valid_until": cert.training_valid_until.isoformat()
            if cert.training_valid_until else None, "nda_version": cert.nda_version,
            "scope": sorted([c, b] for c, b in who.scope)}
