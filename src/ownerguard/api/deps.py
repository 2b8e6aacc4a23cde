"""Request plumbing: one unit of work per request, the signed-in staff member.

Refusals are ``errors.Problem``s raised here or by the services; ``api.errors`` turns every one
into ``{"detail": {"code", "reason", "reason_en"}}`` with the status of its kind.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request

from ownerguard.edge import client_of  # noqa: F401  (re-exported for the routes)
from ownerguard.errors import Forbidden
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import auth as auth_svc
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

SESSION_COOKIE = "og_session"
CSRF_HEADER = "X-CSRF-Token"


def runtime(request: Request) -> Runtime:
    return request.app.state.rt


def uow(request: Request) -> Iterator[UnitOfWork]:
    with runtime(request).uow() as unit:
        yield unit


def _token(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        if token.startswith("og_"):
            return token[3:], "key"
        return token, "api"
    api_key = request.headers.get("x-api-key", "")
    if api_key.startswith("og_"):
        return api_key[3:], "key"
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return cookie, "web"


def current_session(request: Request, unit: UnitOfWork = Depends(uow)) -> auth_svc.Session:
    token, kind = _token(request)
    try:
        session = auth_svc.authenticate(unit, token, kinds=(kind,))
    except auth_svc.AuthError:
        unit.commit()      # an expired session is deleted
        raise
    # A cookie is sent by the browser on its own, so a state-changing request that rides on
    # the cookie must also carry the CSRF token, which only our own pages can read.
    if kind == "web" and request.method not in ("GET", "HEAD", "OPTIONS"):
        if not auth_svc.check_csrf(unit, token, request.headers.get(CSRF_HEADER)):
            raise Forbidden("csrf")
    return session


def current_staff(session: auth_svc.Session = Depends(current_session)) -> StaffRecord:
    return session.staff


def require_role(*roles: str):
    def check(who: StaffRecord = Depends(current_staff)) -> StaffRecord:
        if who.role not in roles:
            raise Forbidden("role_not_permitted")
        return who
    return check
