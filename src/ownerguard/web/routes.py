"""The staff console under ``/console``: server-rendered pages, htmx for in-place updates.

A thin entrypoint like the REST API: each request opens one unit of work, authenticates the
``og_session`` cookie, checks the CSRF token on every POST, calls services (never tables) and
commits explicitly. URLs carry ids, codes and filters only — search terms travel in POST
bodies, so no phone number or name lands in a URL, a browser history or a proxy log.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from ownerguard.api.deps import client_of
from ownerguard.api.routes.work_items import ASSIGNERS, CREATORS
from ownerguard.domain import training as content
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES
from ownerguard.domain.staff import ROLES
from ownerguard.services.staff_access import access
from ownerguard.services.oversight import audit_query
from ownerguard import clock
from ownerguard.services.staff_access import contact_owner
from ownerguard.services.sharing import exports
from ownerguard.services.staff_access import freetext
from ownerguard.services.staff_access import notices
from ownerguard.services.registry import communities as registry
from ownerguard.services.oversight import alerts as alerts_svc
from ownerguard.services.staff_access import auth as auth_svc
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.services.staff_access import work_items as work_items_svc
from ownerguard.adapters.contact import ContactError
from ownerguard.services.runtime import Runtime
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditWriteFailed
from ownerguard.vault.gate import PersonNotFound
from ownerguard.vault.policy import Outcome
from ownerguard.web.i18n import FLASH, LOGIN_NOTICES, Translator
from ownerguard.web.render import (CSRF_COOKIE, CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE,
                     clear_session_cookies, finish, is_htmx, is_https, lang_of, render,
                     set_session_cookies)
from ownerguard.services.registry.rooms import rooms_by_label

PREFIX = "/console"
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_NUMBER = re.compile(r"^[A-Z]{2}-\d{8}-\d{1,6}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
AUDIT_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Exit(Exception):
    """Stop handling and answer with ``response`` (a redirect to sign-in, a 403 page…)."""

    def __init__(self, response: Response):
        super().__init__("console exit")
        self.response = response


def _error(request: Request, status: int, code: str, *, lang: str | None = None,
           me: dict | None = None, csrf: str = "", message: str | None = None) -> HTMLResponse:
    lang = lang or lang_of(request)
    text = message or Translator(lang).reason(code)
    template = "_error.html" if is_htmx(request) else "error.html"
    return render(request, template, status=status, lang=lang, code=code, message=text,
                  error_status=status, me=me, csrf=csrf)


class ConsoleRoute(APIRoute):
    """Console routes answer in HTML whatever happens: early exits, an audit log that cannot be
    written (invariant 2: no audit, no data) and malformed requests."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except Exit as stop:
                return stop.response
            except AuditWriteFailed:
                return _error(request, 503, "audit_unavailable")
            except RequestValidationError:
                return _error(request, 422, "invalid_request")

        return run


router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


# ---------------------------------------------------------------------------------------------
# Request plumbing


def _rt(request: Request) -> Runtime:
    return request.app.state.rt


def _cookie_token(request: Request, name: str) -> str:
    value = request.cookies.get(name, "")
    return value if _TOKEN_CHARS.match(value) else ""


def _too_long(**values: tuple[str | None, int]) -> bool:
    return any(v is not None and len(v) > n for v, n in values.values())


def _to_login(request: Request, code: str) -> Response:
    url = f"{PREFIX}/login?{urlencode({'reason': code})}"
    if is_htmx(request):
        response: Response = HTMLResponse("", status_code=401, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    clear_session_cookies(request, response)
    return finish(request, response)


def _redirect(request: Request, path: str, **params: str) -> Response:
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
        return _error(self.request, status, code, lang=self.lang, me=self.header,
                      csrf=self.csrf, message=message)

    def _flash(self) -> str | None:
        msg = self.request.query_params.get("msg")
        if msg not in FLASH:
            return None
        number = self.request.query_params.get("n", "")
        text = self.t(msg)
        return f"{text}{self.t('sep')}{number}" if number and _NUMBER.match(number) else text

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
    with _rt(request).uow() as unit:
        token = _cookie_token(request, SESSION_COOKIE)
        try:
            session = auth_svc.authenticate(unit, token, kinds=("web",))
        except auth_svc.AuthError as exc:
            unit.commit()           # an expired session is deleted
            raise Exit(_to_login(request, exc.code)) from None
        c = Console(request, _rt(request), unit, session, lang,
                    _cookie_token(request, CSRF_COOKIE))
        c.header            # read inside the transaction, before any commit
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
    token = _cookie_token(request, SESSION_COOKIE)
    if token:
        with _rt(request).uow() as unit:
            try:
                auth_svc.authenticate(unit, token, kinds=("web",))
                unit.commit()
                return _redirect(request, f"{PREFIX}/")
            except auth_svc.AuthError:
                unit.commit()
    notice = reason if reason in LOGIN_NOTICES else None
    return _login_page(request, notice=notice)


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          otp: str = Form(""), login_token: str = Form("")) -> Response:
    username = username.strip()
    expected = _cookie_token(request, LOGIN_COOKIE)
    if not expected or not hmac.compare_digest(expected, login_token):
        return _login_page(request, status=403, error="login_expired", username=username[:80])
    if _too_long(u=(username, 80), p=(password, 200), o=(otp, 10)):
        return _login_page(request, status=422, error="invalid_credentials")
    with _rt(request).uow() as unit:
        try:
            session = auth_svc.login(_rt(request), unit, username, password, otp or None,
                                     client=client_of(request), kind="web")
        except auth_svc.AuthError as exc:
            unit.commit()       # keep the failed attempt: lockout and rate limits count it
            return _login_page(request, status=429 if exc.code == "rate_limited" else 401,
                               error=exc.code, username=username)
        unit.commit()
    response = _redirect(request, f"{PREFIX}/")
    set_session_cookies(request, response, session.token, session.csrf or "")
    response.delete_cookie(LOGIN_COOKIE, path=f"{PREFIX}/login", httponly=True,
                           samesite="strict", secure=is_https(request))
    return response


@router.post("/logout")
def logout(request: Request, csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        auth_svc.logout(c.rt, c.unit, c.session, c.client)
        c.unit.commit()
    response = _redirect(request, f"{PREFIX}/login", reason="signed_out")
    clear_session_cookies(request, response)
    return response


# ---------------------------------------------------------------------------------------------
# Search


def _search_blocked(c: Console) -> str | None:
    if c.who.role == "sysadmin":
        return "sysadmin_no_search"
    if not c.purposes:
        return "no_purposes"
    return None


def _rows(views) -> list[dict]:
    return [{"id": v.person_id, "minor": v.is_minor, "state": v.state,
             "cells": [(f, v.fields[f]) for f in access.LIST_FIELDS if f in v.fields]}
            for v in views]


@router.get("/")
def home(request: Request) -> Response:
    with console(request) as c:
        blocked = _search_blocked(c)
        return c.done(c.page("search.html", blocked=blocked, purposes=c.purposes,
                             purpose=c.purpose_or_default(None), building="", room="",
                             searched=False, rows=[], page_no=1, has_more=False,
                             message=None))


@router.post("/search")
def search(request: Request, q: str = Form(""), building: str = Form(""),
           room: str = Form(""), purpose: str = Form(""), page: str = Form("1"),
           csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        blocked = _search_blocked(c)
        q, building, room = q.strip(), building.strip(), room.strip()
        purpose = c.purpose_or_default(purpose.strip() or None)
        page_no = int(page) if page.isdigit() and 0 < int(page) <= 10_000 else 1
        # The term is not put back into the page (it is a phone, ID number or name).
        context = dict(blocked=blocked, purposes=c.purposes, purpose=purpose,
                       building=building, room=room, searched=True, rows=[], page_no=page_no,
                       has_more=False, message=None)
        template = "_results.html" if is_htmx(request) else "search.html"
        if blocked:
            return c.done(c.page(template, status=403, **context | {"message": blocked}))
        if _too_long(q=(q, 40), b=(building, 40), r=(room, 40), p=(purpose, 40)):
            return c.page(template, status=422, **context | {"message": "too_long"})
        if not (q or building or room):
            return c.done(c.page(template, **context | {"message": "need_term"}))
        ctx = access.staff_context(c.rt, c.unit, c.who, purpose=purpose, client=c.client)
        result = access.list_persons(c.rt, c.unit, ctx, q=q or None, building=building or None,
                                     room=room or None, page=page_no)
        context.update(rows=_rows(result.views), has_more=result.has_more,
                       message=None if result.views else "no_results")
        return c.done(c.page(template, **context))


# ---------------------------------------------------------------------------------------------
# Person card, reveal, contact


def _live_items(c: Console, kind: str | None) -> list[work_items_svc.WorkItem]:
    items = work_items_svc.list_items(c.unit, c.who.company_id, assignee=c.who.username,
                                      live_only=True)
    return [i for i in items if kind is None or i.kind == kind]


@router.get("/persons/{person_id}")
def person(request: Request, person_id: str, purpose: str | None = None) -> Response:
    with console(request) as c:
        blocked = _search_blocked(c)
        if blocked:
            return c.done(c.error(403, blocked))
        if not _ID.match(person_id):
            return c.error(404, "no_such_person")
        if _too_long(p=(purpose, 40)):
            return c.error(422, "too_long")
        purpose = c.purpose_or_default(purpose)
        ctx = access.staff_context(c.rt, c.unit, c.who, purpose=purpose, client=c.client)
        try:
            view = access.record(c.rt, c.unit, ctx, person_id)
        except PersonNotFound:
            return c.done(c.error(404, "no_such_person"))
        # Commit keeps the read's audit entries (and any anomaly alert), refused or not.
        shown = list(view.fields.values())
        if all(s.outcome is Outcome.DENIED for s in shown) and \
                any(s.reason in ("out_of_scope", "other_company") for s in shown):
            return c.done(c.error(403, shown[0].reason))
        spec = PURPOSES.get(purpose or "")
        need_kind = spec.work_item if spec else None
        revealable = [f for f in CATALOGUE
                      if c.rt.policy.level(c.who.role, purpose or "", f).name == "REVEAL"]
        return c.done(c.page(
            "person.html", view=view, person_id=person_id, purpose=purpose,
            purposes=c.purposes, fields=list(view.fields.items()), revealable=revealable,
            need_kind=need_kind, reveal_items=_live_items(c, need_kind),
            contact_items=_live_items(c, need_kind or "work_order"),
            emergency=purpose == "emergency"))


def _fragment(c: Console, template: str, full: str, *, status: int = 200, **context):
    """htmx gets the fragment; a browser without JS gets it inside a full page."""
    if is_htmx(c.request):
        return c.page(template, status=status, **context)
    return c.page(full, status=status, fragment=template, **context)


@router.post("/persons/{person_id}/reveal")
def reveal(request: Request, person_id: str, fields: list[str] = Form([]),
           purpose: str = Form(""), work_order: str = Form(""),
           emergency_reason: str = Form(""), csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        base = dict(person_id=person_id, purpose=purpose, clear=[], refused=[], message=None)

        def answer(status: int = 200, **context):
            return _fragment(c, "_reveal.html", "action_result.html", status=status,
                             **base | context)

        blocked = _search_blocked(c)
        if blocked:
            c.unit.commit()
            return answer(403, message=blocked)
        if not _ID.match(person_id):
            return answer(404, message="no_such_person")
        if _too_long(p=(purpose, 40), w=(work_order, 40), e=(emergency_reason, 500)) or \
                len(fields) > 20:
            return answer(422, message="too_long")
        if not fields:
            return answer(422, message="choose_fields")
        reason_text = emergency_reason.strip() or None
        try:
            ctx = access.staff_context(c.rt, c.unit, c.who, purpose=purpose or None,
                                       work_item=work_order or None,
                                       emergency_reason=reason_text, client=c.client)
            view = access.reveal(c.rt, c.unit, ctx, person_id, fields,
                                 emergency_reason=reason_text)
        except PersonNotFound:
            return answer(404, message="no_such_person")
        except access.AccessError as exc:
            return answer(403 if exc.code != "unknown_field" else 422, message=exc.code)
        c.unit.commit()         # the audit entries (and any alert) are kept whatever the outcome
        clear = [(f, s.value) for f, s in view.fields.items() if s.outcome is Outcome.CLEAR]
        refused = [(f, s) for f, s in view.fields.items() if s.outcome is not Outcome.CLEAR]
        return answer(clear=clear, refused=refused)


@router.post("/persons/{person_id}/contact")
def contact(request: Request, person_id: str, channel: str = Form(""),
            work_order: str = Form(""), purpose: str = Form(""),
            csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        base = dict(person_id=person_id, purpose=purpose, result=None, message=None,
                    detail=None)

        def answer(status: int = 200, **context):
            return _fragment(c, "_contact.html", "action_result.html", status=status,
                             **base | context)

        blocked = _search_blocked(c)
        if blocked:
            c.unit.commit()
            return answer(403, message=blocked)
        if not _ID.match(person_id):
            return answer(404, message="no_such_person")
        if _too_long(p=(purpose, 40), w=(work_order, 40), ch=(channel, 10)):
            return answer(422, message="too_long")
        try:
            ctx = access.staff_context(c.rt, c.unit, c.who,
                                       purpose=c.purpose_or_default(purpose or None),
                                       work_item=work_order or None, client=c.client)
            result = contact_owner.contact(c.rt, c.unit, ctx, person_id, channel=channel)
        except PersonNotFound:
            return answer(404, message="no_such_person")
        except access.AccessError as exc:
            return answer(403, message=exc.code)
        except contact_owner.ContactRefused as exc:
            c.unit.commit()     # the refusal was audited
            return answer(403, message=exc.code)
        except ContactError as exc:
            c.unit.commit()     # the attempt was audited; the message holds no number
            return answer(502, message="contact_failed", detail=str(exc))
        c.unit.commit()
        return answer(result=result)


# ---------------------------------------------------------------------------------------------
# Work orders


def _scope_communities(who: staff_svc.StaffRecord) -> set[str] | None:
    return None if access.company_wide(who.role) else {c for c, _ in who.scope}


def _work_orders_page(c: Console, *, mine: bool, status: int = 200,
                      error: str | None = None, form: dict | None = None) -> HTMLResponse:
    items = work_items_svc.list_items(c.unit, c.who.company_id,
                                      communities=_scope_communities(c.who),
                                      assignee=c.who.username if mine else None)
    return c.page("work_orders.html", status=status, items=items, mine=mine, error=error,
                  form=form or {"room_id": "", "kind": "work_order", "category": "维修",
                                "assignee": ""},
                  kinds=list(work_items_svc.KINDS), can_create=c.who.role in CREATORS,
                  can_assign=c.who.role in ASSIGNERS, username=c.who.username)


@router.get("/work-orders")
def work_orders(request: Request, mine: str = "1") -> Response:
    with console(request) as c:
        return c.done(_work_orders_page(c, mine=mine != "0"))


@router.post("/work-orders")
def create_work_order(request: Request, room_id: str = Form(""), kind: str = Form("work_order"),
                      category: str = Form("维修"), assignee: str = Form(""),
                      csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        form = {"room_id": room_id.strip(), "kind": kind, "category": category.strip() or "维修",
                "assignee": assignee.strip()}
        if c.who.role not in CREATORS:
            return c.error(403, "role_not_permitted")
        if not form["room_id"]:
            return _work_orders_page(c, mine=False, status=422, error=c.t("wo_room_required"),
                                     form=form)
        if _too_long(r=(form["room_id"], 40), k=(kind, 20), cat=(form["category"], 40),
                     a=(form["assignee"], 80)):
            return _work_orders_page(c, mine=False, status=422, error=c.t("too_long"),
                                     form=form)
        try:
            item = work_items_svc.create(c.rt, c.unit, company_id=c.who.company_id,
                                         room_id=form["room_id"], kind=kind,
                                         category=form["category"], actor=c.who.username,
                                         assignee=form["assignee"] or None)
        except work_items_svc.WorkItemError as exc:
            c.unit.rollback()
            return _work_orders_page(c, mine=False, status=422, error=str(exc), form=form)
        allowed = _scope_communities(c.who)
        if allowed is not None and item.community_id not in allowed:
            c.unit.rollback()
            return c.error(403, "out_of_scope")
        c.unit.commit()
        return _redirect(request, f"{PREFIX}/work-orders", mine="0", msg="wo_created",
                         n=item.number)


def _work_order_in_scope(c: Console, number: str) -> work_items_svc.WorkItem | None:
    """The company's work item ``number`` if it is in the staff member's scope (else None:
    out of scope answers like missing, as in the REST API)."""
    if not _NUMBER.match(number):
        return None
    item = work_items_svc.get(c.unit, number, c.who.company_id)
    allowed = _scope_communities(c.who)
    if item is None or (allowed is not None and item.community_id not in allowed):
        return None
    return item


def _local_time(value: datetime) -> str:
    return clock.local(value).strftime("%Y-%m-%d %H:%M")


def _work_order_page(c: Console, item: work_items_svc.WorkItem, *, reveal: bool = False,
                     status: int = 200, error: str | None = None) -> HTMLResponse:
    """One work order and its comments. Comment texts come through the gate: masked (every
    finding of the detector) unless the DPO asked for the original; each read is audited."""
    ctx = access.staff_context(c.rt, c.unit, c.who, purpose=None, client=c.client)
    views = freetext.read_notes(c.rt, c.unit, ctx, work_item_id=item.id,
                                work_item_number=item.number, reveal=reveal)
    comments = [{"author": v.author, "at": _local_time(v.created_at), "text": v.text,
                 "original": v.outcome == "clear", "types": v.finding_types} for v in views]
    return c.page("work_order.html", status=status, item=item, comments=comments,
                  revealed=reveal, error=error, max_comment=freetext.MAX_TEXT,
                  get_path=f"{PREFIX}/work-orders/{item.number}",
                  can_reveal=c.who.role == "dpo" and bool(views))


@router.get("/work-orders/{number}")
def work_order(request: Request, number: str) -> Response:
    with console(request) as c:
        item = _work_order_in_scope(c, number)
        if item is None:
            return c.error(404, "wo_not_found")
        return c.done(_work_order_page(c, item))


@router.post("/work-orders/{number}/comments")
def add_comment(request: Request, number: str, text: str = Form(""),
                csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        item = _work_order_in_scope(c, number)
        if item is None:
            return c.error(404, "wo_not_found")
        # The text is never put back into the page: it may hold a phone number or a name.
        if not text.strip():
            return c.done(_work_order_page(c, item, status=422, error=c.t("comment_empty")))
        if len(text.strip()) > freetext.MAX_TEXT:
            return c.done(_work_order_page(c, item, status=422, error=c.t(
                "comment_too_long", n=freetext.MAX_TEXT)))
        try:
            freetext.write_note(c.rt, c.unit, company_id=c.who.company_id,
                                author=c.who.username, role=c.who.role,
                                kind="work_order_comment", text=text,
                                community_id=item.community_id, work_item_id=item.id,
                                work_item_number=item.number)
        except freetext.TextError:
            c.unit.rollback()
            return c.done(_work_order_page(c, item, status=422,
                                           error=c.t("invalid_request")))
        c.unit.commit()
        return _redirect(request, f"{PREFIX}/work-orders/{item.number}",
                         msg="wo_comment_added", n=item.number)


@router.post("/work-orders/{number}/comments/reveal")
def reveal_comments(request: Request, number: str, csrf: str | None = Form(None)) -> Response:
    """The DPO reads the comments as written (audited as a clear read of each)."""
    with console(request, csrf=csrf, post=True, roles=("dpo",)) as c:
        item = _work_order_in_scope(c, number)
        if item is None:
            return c.error(404, "wo_not_found")
        return c.done(_work_order_page(c, item, reveal=True))


@router.post("/work-orders/{number}/{action}")
def work_order_action(request: Request, number: str, action: str,
                      assignee: str = Form(""), csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        status = {"assign": "assigned", "done": "done", "close": "closed"}.get(action)
        if status is None or not _NUMBER.match(number):
            return c.error(404, "wo_not_found")
        who = c.who
        item = work_items_svc.get(c.unit, number, who.company_id)
        allowed = _scope_communities(who)
        if item is None or (allowed is not None and item.community_id not in allowed):
            return c.error(404, "wo_not_found")
        if status in ("assigned", "closed") and who.role not in ASSIGNERS:
            return c.error(403, "role_not_permitted")
        if status == "done" and who.username != item.assignee and who.role not in ASSIGNERS:
            return c.error(403, "work_item_not_assigned")
        if _too_long(a=(assignee, 80)):
            return c.error(422, "too_long")
        try:
            work_items_svc.transition(c.rt, c.unit, item, status, actor=who.username,
                                      assignee=assignee.strip() or None)
        except work_items_svc.WorkItemError as exc:
            c.unit.rollback()
            return c.error(409, "bad_transition", str(exc))
        c.unit.commit()
        return _redirect(request, f"{PREFIX}/work-orders", mine="0", msg="wo_updated",
                         n=number)


# ---------------------------------------------------------------------------------------------
# Notices: check a draft before publishing; an arrears notice naming no one


MAX_DRAFT = 20_000
MAX_ROOM_LINES = 2_000
MAX_UNKNOWN_SHOWN = 50


def _notice_scope(c: Console) -> dict[str, tuple[str, set[str] | None]]:
    """community id → (name, buildings allowed or None for the whole community): the staff
    member's scope within their company; the DPO's is the whole company."""
    names = {comm.id: comm.name for comp, comm in registry.list_communities(c.unit)
             if comp.id == c.who.company_id}
    if access.company_wide(c.who.role):
        return {cid: (name, None) for cid, name in names.items()}
    out: dict[str, tuple[str, set[str] | None]] = {}
    for cid, bid in c.who.scope:
        if cid not in names:
            continue
        _, allowed = out.get(cid, (names[cid], set()))
        if bid is None or allowed is None:
            out[cid] = (names[cid], None)
        else:
            out[cid] = (names[cid], allowed | {bid})
    return out


def _check_view(c: Console, text: str) -> dict:
    result = notices.check(text)
    return {"ok": result.ok, "html": result.html, "masked": result.masked,
            "findings": [{"type": f["type"], "label": c.t.pii(f["type"]),
                          "start": f["start"] + 1, "end": f["end"]}
                         for f in result.findings]}


def _notices_page(c: Console, *, status: int = 200, **context) -> HTMLResponse:
    scope = _notice_scope(c)
    communities = sorted(((cid, name + ("" if allowed is None else c.t("building_limited")))
                          for cid, (name, allowed) in scope.items()), key=lambda x: x[1])
    base = dict(communities=communities, max_draft=MAX_DRAFT, check=None, check_error=None,
                arrears=None, arrears_error=None, unknown_lines=[], unknown_more=0,
                form={"community": "", "period": ""}, fragment=None,
                get_path=f"{PREFIX}/notices")
    template = "notices.html"
    if is_htmx(c.request) and context.get("fragment"):
        template = context["fragment"]
    return c.page(template, status=status, **base | context)


@router.get("/notices")
def notices_page(request: Request) -> Response:
    with console(request) as c:
        return c.done(_notices_page(c))


@router.post("/notices/check")
def check_notice(request: Request, text: str = Form(""),
                 csrf: str | None = Form(None)) -> Response:
    """Highlight personal data in a draft. Nothing is stored: the draft is only in this
    response (the highlighted copy is the user's own text, shown back to them)."""
    with console(request, csrf=csrf, post=True) as c:
        frag = "_notice_check.html"
        if len(text) > MAX_DRAFT:
            return c.done(_notices_page(c, status=422, fragment=frag,
                                        check_error=c.t("draft_too_long", n=MAX_DRAFT)))
        if not text.strip():
            return c.done(_notices_page(c, status=422, fragment=frag,
                                        check_error=c.t("draft_empty")))
        return c.done(_notices_page(c, fragment=frag, check=_check_view(c, text)))


@router.post("/notices/arrears")
def arrears_notice(request: Request, community: str = Form(""), rooms: str = Form(""),
                   period: str = Form(""), csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        period = period.strip()
        form = {"community": community if _ID.match(community) else "",
                "period": period[:40]}

        def fail(status: int, message: str, **extra) -> HTMLResponse:
            return c.done(_notices_page(c, status=status, fragment="_arrears.html", form=form,
                                        arrears_error=message, **extra))

        if _too_long(c_=(community, 40), p=(period, 40), r=(rooms, MAX_DRAFT)):
            return fail(422, c.t("too_long"))
        scope = _notice_scope(c)
        if community not in scope:
            return fail(403, c.t("community_out_of_scope"))
        if not period:
            return fail(422, c.t("period_required"))
        lines = rooms.splitlines()
        if len(lines) > MAX_ROOM_LINES:
            return fail(422, c.t("room_lines_too_many", n=MAX_ROOM_LINES))
        if not any(line.strip() for line in lines):
            return fail(422, c.t("rooms_required"))
        room_ids, unknown = rooms_by_label(c.unit, community, lines,
                                           buildings_allowed=scope[community][1])
        if unknown:
            # Reported by line number only: the labels are not echoed.
            return fail(422, c.t("rooms_unknown", n=len(unknown)),
                        unknown_lines=unknown[:MAX_UNKNOWN_SHOWN],
                        unknown_more=max(0, len(unknown) - MAX_UNKNOWN_SHOWN))
        try:
            text = notices.arrears_notice(c.unit, company_id=c.who.company_id,
                                          community_id=community, room_ids=room_ids,
                                          period=period)
        except LookupError:
            return fail(404, c.t("no_such_community"))
        return c.done(_notices_page(c, fragment="_arrears.html", form=form,
                                    arrears={"text": text, "rooms": len(room_ids),
                                             "check": _check_view(c, text)}))


# ---------------------------------------------------------------------------------------------
# Training, quiz and confidentiality agreement


def _today() -> date:
    return clock.today()


def _nda_text(who: staff_svc.StaffRecord) -> str:
    try:
        return content.render_nda(who.display_name, who.username, _today())
    except ValueError:      # a display name the template refuses: show the blank form
        return content.NDA_TEXT_ZH


def _training_page(c: Console, *, status: int = 200, result=None, result_date=None,
                   error: str | None = None, nda_error: str | None = None) -> HTMLResponse:
    seed = secrets.randbelow(2**31)
    questions = content.draw_quiz(seed)
    wrong = []
    if result is not None:
        by_id = content.QUESTIONS_BY_ID
        wrong = [(by_id[i.question_id], i) for i in result.wrong]
    return c.page("training.html", status=status, lessons=content.LESSONS, seed=seed,
                  questions=questions, pass_pct=round(content.PASS_MARK * 100),
                  nda_text=_nda_text(c.who), nda_text_en=content.NDA_TEXT_EN,
                  nda_version=content.NDA_VERSION, result=result, result_date=result_date,
                  wrong=wrong, error=error, nda_error=nda_error)


@router.get("/training")
def training(request: Request) -> Response:
    with console(request) as c:
        return c.done(_training_page(c))


@router.post("/training/quiz")
def submit_quiz(request: Request, seed: str = Form(""), answers: list[str] = Form([]),
                csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        if not seed.isdigit() or int(seed) >= 2**31 or len(answers) > 200:
            return _training_page(c, status=422, error="quiz_bad")
        given: dict[str, set[str]] = {}
        for item in answers:
            qid, _, key = item.partition(":")
            given.setdefault(qid, set()).add(key)
        try:
            result = content.grade(content.draw_quiz(int(seed)), given)
        except ValueError:
            return _training_page(c, status=422, error="quiz_bad")
        until = None
        if result.passed:
            until = staff_svc.record_training(c.rt, c.unit, c.who, method="quiz",
                                              actor=c.who.username, score=float(result.score))
            c.__dict__.pop("header", None)      # the header shows the new status
        return c.done(_training_page(c, result=result, result_date=until.astimezone(
            clock.LOCAL).date().isoformat() if until else None))


@router.post("/training/nda")
def sign_nda(request: Request, accept: str = Form(""), name: str = Form(""),
             csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        name = name.strip()
        if accept != "on" or not name or len(name) > 40 or not name.isprintable():
            return _training_page(c, status=422, nda_error="nda_need_accept")
        staff_svc.record_nda(c.rt, c.unit, c.who, method="online", actor=c.who.username)
        c.unit.commit()
        return _redirect(request, f"{PREFIX}/training", msg="nda_done")


# ---------------------------------------------------------------------------------------------
# Exports (staff)


def _communities_in_scope(c: Console) -> list[tuple[str, str]]:
    """(value, label) for the export form: ``community`` or ``community|building``."""
    names = {comm.id: comm.name for comp, comm in registry.list_communities(c.unit)
             if comp.id == c.who.company_id}
    if access.company_wide(c.who.role):
        return sorted(((cid, name) for cid, name in names.items()), key=lambda x: x[1])
    out = []
    for cid, bid in sorted(c.who.scope, key=lambda s: (s[0], s[1] or "")):
        if cid in names:
            label = names[cid] + ("" if bid is None else c.t("building_limited"))
            out.append((cid if bid is None else f"{cid}|{bid}", label))
    return out


def _exports_page(c: Console, *, status: int = 200, error: str | None = None,
                  form: dict | None = None) -> HTMLResponse:
    mine = exports.list_exports(c.unit, c.who.company_id, requester=c.who.username)
    return c.page("exports.html", status=status, mine=mine, error=error,
                  purposes=c.purposes, communities=_communities_in_scope(c),
                  all_fields=list(CATALOGUE),
                  form=form or {"purpose": c.purpose_or_default(None), "fields": [],
                                "community": ""})


@router.get("/exports")
def exports_page(request: Request) -> Response:
    with console(request) as c:
        return c.done(_exports_page(c))


@router.post("/exports")
def request_export(request: Request, purpose: str = Form(""), fields: list[str] = Form([]),
                   community: str = Form(""), csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        form = {"purpose": purpose, "fields": fields, "community": community}
        if _too_long(p=(purpose, 40), c=(community, 90)) or len(fields) > 20:
            return _exports_page(c, status=422, error=c.t("too_long"), form=form)
        community_id, _, building_id = community.partition("|")
        try:
            item = exports.request(c.rt, c.unit, c.who, purpose=purpose, fields=fields,
                                   community_id=community_id, building_id=building_id or None)
        except exports.ExportError as exc:
            c.unit.rollback()
            return _exports_page(c, status=403 if exc.code in ("export_not_permitted",
                                                               "export_out_of_scope") else 422,
                                 error=exc.en if c.lang == "en" else exc.zh, form=form)
        c.unit.commit()
        return _redirect(request, f"{PREFIX}/exports", msg="export_requested", n=item.number)


@router.post("/exports/{export_id}/download")
def download_export(request: Request, export_id: str,
                    csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        if not _ID.match(export_id):
            return c.error(404, "not_found", c.t("export_none"))
        try:
            item = exports.get(c.unit, c.who.company_id, export_id)
            path = exports.generate(c.rt, c.unit, c.who, export_id, client=c.client)
        except exports.ExportError as exc:
            c.unit.rollback()
            return c.error(404 if exc.code == "export_not_found" else 403, exc.code,
                           exc.en if c.lang == "en" else exc.zh)
        c.unit.commit()
        return finish(request, FileResponse(path, media_type=XLSX,
                                            filename=f"业主信息导出-{item.number}.xlsx"))


# ---------------------------------------------------------------------------------------------
# DPO: audit log, alerts, export approvals


def _audit_entries(c: Console, person_id: str | None, actor: str | None,
                   since: str | None) -> list[dict]:
    """The company's audit entries, newest first, filtered. Entries hold ids and codes only."""
    return audit_query.search(c.unit, c.who.company_id, person_id=person_id, actor=actor,
                              since=since, limit=AUDIT_SHOWN)


@router.get("/dpo/audit")
def dpo_audit(request: Request, person_id: str = "", actor: str = "",
              since: str = "") -> Response:
    with console(request, roles=("dpo",)) as c:
        person_id, actor, since = person_id.strip(), actor.strip(), since.strip()
        error = None
        since_iso = None
        if _too_long(p=(person_id, 40), a=(actor, 120), s=(since, 40)):
            error, person_id, actor, since = "too_long", "", "", ""
        if since:
            try:
                day = date.fromisoformat(since)
                since_iso = clock.iso(clock.start_of_day(day))
            except ValueError:
                error = "bad_since"
        entries = [] if error else _audit_entries(c, person_id or None, actor or None,
                                                  since_iso)
        return c.done(c.page("dpo_audit.html", status=422 if error else 200, entries=entries,
                      person_id=person_id, actor=actor, since=since, error=error,
                      shown=AUDIT_SHOWN))


def _alerts_page(c: Console, status_filter: str, *, status: int = 200,
                 error: str | None = None) -> HTMLResponse:
    items = alerts_svc.list_alerts(c.unit, c.who.company_id, status=status_filter)
    ctx = access.staff_context(c.rt, c.unit, c.who, purpose="oversight", client=c.client)
    notes = {a.id: alerts_svc.note(c.rt, c.unit, ctx, a.id)
             for a in items if a.kind == "break_glass"}
    return c.page("dpo_alerts.html", status=status, alerts=items, notes=notes,
                  status_filter=status_filter, resolutions=alerts_svc.RESOLUTIONS, error=error)


@router.get("/dpo/alerts")
def dpo_alerts(request: Request, status: str = "open") -> Response:
    with console(request, roles=("dpo",)) as c:
        return c.done(_alerts_page(c, "reviewed" if status == "reviewed" else "open"))


@router.post("/dpo/alerts/{alert_id}/review")
def dpo_review(request: Request, alert_id: str, resolution: str = Form(""),
               csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True, roles=("dpo",)) as c:
        if not _ID.match(alert_id):
            return c.error(404, "alert_not_found")
        try:
            alerts_svc.review(c.rt, c.unit, company_id=c.who.company_id, alert_id=alert_id,
                              reviewer=c.who.username, resolution=resolution)
        except ValueError:
            c.unit.rollback()
            return c.error(422, "invalid_request")
        except LookupError:
            c.unit.rollback()
            return c.error(404, "alert_not_found")
        c.unit.commit()
        return _redirect(request, f"{PREFIX}/dpo/alerts", msg="alert_reviewed")


def _dpo_exports_page(c: Console, *, status: int = 200, error: str | None = None
                      ) -> HTMLResponse:
    items = exports.list_exports(c.unit, c.who.company_id)
    waiting = [e for e in items if e.status == "requested"]
    decided = [e for e in items if e.status != "requested"][:20]
    return c.page("dpo_exports.html", status=status, waiting=waiting, decided=decided,
                  error=error, username=c.who.username)


@router.get("/dpo/exports")
def dpo_exports(request: Request) -> Response:
    with console(request, roles=("dpo",)) as c:
        return c.done(_dpo_exports_page(c))


@router.post("/dpo/exports/{export_id}/decide")
def dpo_decide(request: Request, export_id: str, decision: str = Form(""),
               csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True, roles=("dpo",)) as c:
        if decision not in ("approve", "reject") or not _ID.match(export_id):
            return c.error(422, "invalid_request")
        try:
            item = exports.decide(c.rt, c.unit, c.who, export_id, approve=decision == "approve")
        except exports.ExportError as exc:
            c.unit.rollback()
            return _dpo_exports_page(c, status=404 if exc.code == "export_not_found" else 409,
                                     error=exc.en if c.lang == "en" else exc.zh)
        c.unit.commit()
        return _redirect(request, f"{PREFIX}/dpo/exports", msg="export_decided",
                         n=item.number)


__all__ = ["router", "ConsoleRoute", "PREFIX"]
