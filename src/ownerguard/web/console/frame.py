"""Console request plumbing: the route class that answers in HTML whatever happens, the
signed-in ``Console`` context (runtime, unit of work, staff member, language, CSRF) and small
helpers every console page shares."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from ownerguard import clock
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES
from ownerguard.domain.staff import ROLES
from ownerguard.edge import client_of, status_of
from ownerguard.errors import Problem
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.services.staff_access import auth as auth_svc
from ownerguard.store.uow import UnitOfWork
from ownerguard.web.i18n import FLASH, Translator
from ownerguard.web.render import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    clear_session_cookies,
    finish,
    is_htmx,
    lang_of,
    render,
)

PREFIX = "/console"
TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
NUMBER = re.compile(r"^[A-Z]{2}-\d{8}-\d{1,6}$")
ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
AUDIT_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Exit(Exception):
    """Stop handling and answer with ``response`` (a redirect to sign-in, a 403 page…)."""

    def __init__(self, response: Response):
        super().__init__("console exit")
        self.response = response


def error_page(request: Request, status: int, code: str, *, lang: str | None = None,
           me: dict | None = None, csrf: str = "", message: str | None = None) -> HTMLResponse:
    lang = lang or lang_of(request)
    text = message or Translator(lang).reason(code)
    template = "_error.html" if is_htmx(request) else "error.html"
    return render(request, template, status=status, lang=lang, code=code, message=text,
                  error_status=status, me=me, csrf=csrf)


class ConsoleRoute(APIRoute):
    """Console routes answer in HTML whatever happens: early exits, refusals (an audit log that
    cannot be written among them: invariant 2, no audit, no data) and malformed requests."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except Exit as stop:
                return stop.response
            except Problem as problem:
                # A refusal nobody handled on the page itself: an error page that says why, in
                # the reader's language (the audit log down is one: no audit, no data).
                return error_page(request, status_of(problem), problem.code,
                                  message=Translator(lang_of(request)).error(problem))
            except RequestValidationError:
                return error_page(request, 422, "invalid_request")

        return run





def runtime_of(request: Request) -> Runtime:
    return request.app.state.rt


def cookie_token(request: Request, name: str) -> str:
    value = request.cookies.get(name, "")
    return value if TOKEN_CHARS.match(value) else ""


def too_long(**values: tuple[str | None, int]) -> bool:
    return any(v is not None and len(v) > n for v, n in values.values())


def to_login(request: Request, code: str) -> Response:
    url = f"{PREFIX}/login?{urlencode({'reason': code})}"
    if is_htmx(request):
        response: Response = HTMLResponse("", status_code=401, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    clear_session_cookies(request, response)
    return finish(request, response)


def redirect(request: Request, path: str, **params: str) -> Response:
    url = path + ("?" + urlencode(params) if params else "")
    return finish(request, RedirectResponse(url, status_code=303))


@dataclass
class Console:
    """One console request: the runtime, its unit of work and the signed-in staff member."""

    request: Request
    rt: Runtime
    unit: UnitOfWork
    session: auth_svc.Session
    lang: str
    csrf: str

    @property
    def who(self) -> staff_svc.StaffRecord:
        return self.session.staff

    @property
    def t(self) -> Translator:
        return Translator(self.lang)

    @property
    def client(self) -> str:
        return client_of(self.request)

    @cached_property
    def header(self) -> dict:
        who = self.who
        cert = staff_svc.certification(self.unit, who.id)
        until = cert.training_valid_until
        return {"name": who.display_name, "username": who.username, "role": who.role,
                "certified": cert.certified,
                "until": clock.local_date(until).isoformat() if until else None,
                "nda": cert.nda_version, "dpo": who.role == "dpo",
                "sysadmin": who.role == "sysadmin"}

    def done(self, response: Response) -> Response:
        """Commit the unit of work, then answer: a response is built first (inside the
        transaction) and handed out only once its audit entries are committed."""
        self.unit.commit()
        return response

    def page(self, template: str, *, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("flash", self._flash())
        return render(self.request, template, status=status, lang=self.lang, me=self.header,
                      csrf=self.csrf, **context)

    def error(self, status: int, code: str, message: str | None = None) -> HTMLResponse:
        return error_page(self.request, status, code, lang=self.lang, me=self.header,
                      csrf=self.csrf, message=message)

    def _flash(self) -> str | None:
        msg = self.request.query_params.get("msg")
        if msg not in FLASH:
            return None
        number = self.request.query_params.get("n", "")
        text = self.t(msg)
        return f"{text}{self.t('sep')}{number}" if number and NUMBER.match(number) else text

    # -- policy helpers ------------------------------------------------------------------
    @cached_property
    def purposes(self) -> list[str]:
        """The purposes this role has a grant for (rows of the policy matrix)."""
        out = []
        for row in self.rt.policy.matrix():
            if row["role"] != self.who.role or not PURPOSES[row["purpose"]].usable:
                continue
            if any(row[f] != "hidden" for f in CATALOGUE):
                out.append(row["purpose"])
        return out

    def purpose_or_default(self, purpose: str | None) -> str | None:
        if purpose:
            return purpose
        role = ROLES.get(self.who.role)
        default = role.default_purpose if role else None
        if default in self.purposes:
            return default
        return self.purposes[0] if self.purposes else None


@contextmanager
def console(request: Request, *, csrf: str | None = None, post: bool = False,
            roles: tuple[str, ...] | None = None) -> Iterator[Console]:
    """Open the request's unit of work and authenticate; on a POST also check the CSRF token
    (header ``X-CSRF-Token`` from htmx, or the form's ``csrf`` field)."""
    lang = lang_of(request)
    with runtime_of(request).uow() as unit:
        token = cookie_token(request, SESSION_COOKIE)
        try:
            session = auth_svc.authenticate(unit, token, kinds=("web",))
        except auth_svc.AuthError as exc:
            unit.commit()           # an expired session is deleted
            raise Exit(to_login(request, exc.code)) from None
        c = Console(request, runtime_of(request), unit, session, lang,
                    cookie_token(request, CSRF_COOKIE))
        _ = c.header        # read inside the transaction, before any commit
        if post:
            supplied = request.headers.get(CSRF_HEADER) or csrf
            if not auth_svc.check_csrf(unit, token, supplied):
                unit.commit()
                raise Exit(c.error(403, "csrf"))
        if roles is not None and session.staff.role not in roles:
            unit.commit()
            raise Exit(c.error(403, "dpo_only" if roles == ("dpo",) else "role_not_permitted"))
        yield c


# ---------------------------------------------------------------------------------------------
# Sign-in and sign-out
