"""Staff sign-in and sign-out (password, one-time code for roles that can reveal)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ownerguard.edge import client_of, status_of
from ownerguard.services.staff_access import auth as auth_svc
from ownerguard.web.console.frame import (
    PREFIX,
    ConsoleRoute,
    console,
    cookie_token,
    redirect,
    runtime_of,
    too_long,
)
from ownerguard.web.i18n import LOGIN_NOTICES
from ownerguard.web.render import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    clear_session_cookies,
    is_https,
    render,
    set_session_cookies,
)

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _login_page(request: Request, *, status: int = 200, notice: str | None = None,
                error: str | None = None, username: str = "") -> HTMLResponse:
    form_token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status=status, notice=notice, error=error,
                      username=username, login_token=form_token)
    response.set_cookie(LOGIN_COOKIE, form_token, path=f"{PREFIX}/login", httponly=True,
                        samesite="strict", secure=is_https(request))
    return response


@router.get("/login")
def login_form(request: Request, reason: str | None = None) -> Response:
    token = cookie_token(request, SESSION_COOKIE)
    if token:
        with runtime_of(request).uow() as unit:
            try:
                auth_svc.authenticate(unit, token, kinds=("web",))
                unit.commit()
                return redirect(request, f"{PREFIX}/")
            except auth_svc.AuthError:
                unit.commit()
    notice = reason if reason in LOGIN_NOTICES else None
    return _login_page(request, notice=notice)


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          otp: str = Form(""), login_token: str = Form("")) -> Response:
    username = username.strip()
    expected = cookie_token(request, LOGIN_COOKIE)
    if not expected or not hmac.compare_digest(expected, login_token):
        return _login_page(request, status=403, error="login_expired", username=username[:80])
    if too_long(u=(username, 80), p=(password, 200), o=(otp, 10)):
        return _login_page(request, status=422, error="invalid_credentials")
    with runtime_of(request).uow() as unit:
        try:
            session = auth_svc.login(runtime_of(request), unit, username, password, otp or None,
                                     client=client_of(request), kind="web")
        except auth_svc.AuthError as exc:
            unit.commit()       # keep the failed attempt: lockout and rate limits count it
            return _login_page(request, status=status_of(exc),
                               error=exc.code, username=username)
        unit.commit()
    response = redirect(request, f"{PREFIX}/")
    set_session_cookies(request, response, session.token, session.csrf or "")
    response.delete_cookie(LOGIN_COOKIE, path=f"{PREFIX}/login", httponly=True,
                           samesite="strict", secure=is_https(request))
    return response


@router.post("/logout")
def logout(request: Request, csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        auth_svc.logout(c.rt, c.unit, c.session, c.client)
        c.unit.commit()
    response = redirect(request, f"{PREFIX}/login", reason="signed_out")
    clear_session_cookies(request, response)
    return response
