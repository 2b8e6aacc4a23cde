"""The owner portal (业主门户) under ``/owner``: server-rendered pages for phones.

Thin like the console: each request opens one unit of work, authenticates the ``og_owner``
cookie (``services.owner_auth``), checks the CSRF token on every POST, calls the owner services
(``owner_portal``, ``consent``, ``inquiries``) and commits. Identity comes only from the
session: no page takes a person id it does not check against the persons bound to the session,
so an owner never reaches anyone else's data. Pages are plain HTML forms: no script at all,
so the console's strict CSP (``script-src 'self'``) holds without exceptions. The phone number
travels in POST bodies only, never in a URL.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from ownerguard import clock, i18n
from ownerguard.domain.consent import NOTICE_TEXT_ZH, NOTICE_VERSION
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.staff import ROLES
from ownerguard.edge import client_of, status_of
from ownerguard.errors import HTTP_STATUS, Problem
from ownerguard.services.owners import auth as owner_auth
from ownerguard.services.owners import consent as consent_svc
from ownerguard.services.owners import inquiries as inquiries_svc
from ownerguard.services.owners import portal as owner_portal
from ownerguard.services.runtime import Runtime
from ownerguard.store.uow import UnitOfWork
from ownerguard.web.i18n import OWNER_FLASH, Translator
from ownerguard.web.portal.session import (
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    clear_login_cookie,
    clear_session_cookie,
    cookie,
    csrf_for,
    csrf_ok,
    new_login_token,
    set_login_cookie,
    set_session_cookie,
)
from ownerguard.web.render import CSRF_HEADER, finish, lang_of, render

_NUMBER = re.compile(r"^[A-Z]{2}-\d{8}-[0-9A-F]{1,8}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
FEED_SHOWN = 200
LOGIN_NOTICES = frozenset({"invalid_phone", "code_rate_limited", "code_invalid", "code_locked",
                           "not_signed_in", "session_expired", "ow_signed_out"})
SUSPICIOUS_DEFAULT_ZH = "我认为这次访问可疑，请说明查看我信息的理由和依据。"
_ROLE_BY_LABEL = {r.label_zh: code for code, r in ROLES.items()}


def pick(lang: str, pair: tuple[str, str]) -> str:
    return pair[1] if lang == "en" else pair[0]


def user_error(lang: str, exc: Problem) -> str:
    return Translator(lang).error(exc)


class Exit(Exception):
    """Stop handling and answer with ``response`` (sign-in redirect, 403 page…)."""

    def __init__(self, response: Response):
        super().__init__("owner portal exit")
        self.response = response


def _error(request: Request, status: int, message: str, *, lang: str | None = None,
           csrf: str = "", signed_in: bool = False) -> HTMLResponse:
    return render(request, "owner/error.html", status=status, lang=lang, message=message,
                  error_status=status, csrf=csrf, me={"signed_in": True} if signed_in else None,
                  get_path=f"{PREFIX}/", nav_rights=True)


class OwnerRoute(APIRoute):
    """Portal routes answer in HTML whatever happens: early exits, an audit log that cannot be
    written (no audit, no data), malformed requests."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except Exit as stop:
                return stop.response
            except Problem as problem:
                return _error(request, status_of(problem),
                              Translator(lang_of(request)).error(problem))
            except RequestValidationError:
                return _error(request, 422, Translator(lang_of(request))("invalid_request"))

        return run


router = APIRouter(prefix=PREFIX, route_class=OwnerRoute, include_in_schema=False)


def _rt(request: Request) -> Runtime:
    return request.app.state.rt


def _redirect(request: Request, path: str, **params: str) -> Response:
    url = path + ("?" + urlencode(params) if params else "")
    return finish(request, RedirectResponse(url, status_code=303))


def _to_login(request: Request, code: str) -> Response:
    response = _redirect(request, f"{PREFIX}/login", reason=code)
    clear_session_cookie(request, response)
    return response


def local_time(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return clock.local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")


@dataclass
class Owner:
    """One portal request: the runtime, its unit of work and the signed-in owner."""

    request: Request
    rt: Runtime
    unit: UnitOfWork
    session: owner_auth.OwnerSession
    lang: str

    @property
    def csrf(self) -> str:
        return csrf_for(self.session.token)

    @property
    def t(self) -> Translator:
        return Translator(self.lang)

    @property
    def client(self) -> str:
        return client_of(self.request)

    def mine(self) -> dict[str, str]:
        """person id → company id, from the session only."""
        return {p: c for c, p in self.session.persons}

    def done(self, response: Response) -> Response:
        self.unit.commit()
        return response

    def page(self, template: str, *, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("flash", self._flash())
        # Language links keep the path only: portal URLs carry nothing worth keeping, and an
        # echoed query string would put whatever a link held back into the page.
        context.setdefault("get_path", self.request.url.path)
        return render(self.request, f"owner/{template}", status=status, lang=self.lang,
                      me={"signed_in": True}, csrf=self.csrf, nav_rights=True,
                      **context)

    def error(self, status: int, message: str) -> HTMLResponse:
        return _error(self.request, status, message, lang=self.lang, csrf=self.csrf,
                      signed_in=True)

    def _flash(self) -> str | None:
        msg = self.request.query_params.get("msg")
        if msg not in OWNER_FLASH:
            return None
        number = self.request.query_params.get("n", "")
        text = self.t(msg)
        return f"{text}{self.t('sep')}{number}" if number and _NUMBER.match(number) else text


@contextmanager
def owner(request: Request, *, post: bool = False, csrf: str | None = None) -> Iterator[Owner]:
    """Open the request's unit of work and authenticate the owner; on a POST also check the
    CSRF token (form field ``csrf`` or header ``X-CSRF-Token``)."""
    lang = lang_of(request)
    with _rt(request).uow() as unit:
        token = cookie(request, SESSION_COOKIE)
        try:
            session = owner_auth.authenticate(unit, token)
        except owner_auth.OwnerAuthError as exc:
            unit.commit()           # an expired session is deleted
            raise Exit(_to_login(request, exc.code)) from None
        o = Owner(request, _rt(request), unit, session, lang)
        if post and not csrf_ok(token, csrf or request.headers.get(CSRF_HEADER)):
            unit.commit()
            raise Exit(o.error(403, o.t("csrf")))
        yield o


# ---------------------------------------------------------------------------------------------
# Sign-in and sign-out


def _login_page(request: Request, *, step: str = "phone", status: int = 200, phone: str = "",
                notice: str | None = None, error: str | None = None) -> HTMLResponse:
    form_token = cookie(request, LOGIN_COOKIE) or new_login_token()
    response = render(request, "owner/login.html", status=status, step=step, phone=phone,
                      notice=notice, error=error, login_token=form_token,
                      get_path=f"{PREFIX}/login", nav_rights=False)
    set_login_cookie(request, response, form_token)
    return response


def _login_token_ok(request: Request, supplied: str) -> bool:
    expected = cookie(request, LOGIN_COOKIE)
    return bool(expected) and hmac.compare_digest(expected, supplied or "")


def _signed_in(request: Request) -> bool:
    token = cookie(request, SESSION_COOKIE)
    if not token:
        return False
    with _rt(request).uow() as unit:
        try:
            owner_auth.authenticate(unit, token)
            ok = True
        except owner_auth.OwnerAuthError:
            ok = False
        unit.commit()
    return ok


@router.get("")
@router.get("/")
def portal_home(request: Request) -> Response:
    return _redirect(request, f"{PREFIX}/data" if _signed_in(request) else f"{PREFIX}/login")


@router.get("/login")
def login_form(request: Request, reason: str | None = None) -> Response:
    if _signed_in(request):
        return _redirect(request, f"{PREFIX}/data")
    lang = lang_of(request)
    notice = None
    if reason in LOGIN_NOTICES:
        notice = Translator(lang).reason(reason)
    return _login_page(request, notice=notice)


def _auth_status(exc: owner_auth.OwnerAuthError) -> int:
    return HTTP_STATUS[exc.kind]


@router.post("/login/code")
def request_code(request: Request, phone: str = Form(""), login_token: str = Form("")
                 ) -> Response:
    """Step 1: send a code. The page says the same whether the phone is registered."""
    lang = lang_of(request)
    phone = phone.strip()[:30]
    if not _login_token_ok(request, login_token):
        return _login_page(request, status=403, phone=phone,
                           error=Translator(lang)("ow_login_expired"))
    with _rt(request).uow() as unit:
        try:
            owner_auth.request_code(_rt(request), unit, phone, client=client_of(request))
        except owner_auth.OwnerAuthError as exc:
            unit.commit()
            return _login_page(request, status=_auth_status(exc), phone=phone,
                               step="code" if exc.code == "code_rate_limited" else "phone",
                               error=Translator(lang).error(exc))
        unit.commit()
    return _login_page(request, step="code", phone=phone,
                       notice=Translator(lang)("ow_code_sent"))


@router.post("/login")
def login(request: Request, phone: str = Form(""), code: str = Form(""),
          login_token: str = Form("")) -> Response:
    """Step 2: phone and code → a session cookie."""
    lang = lang_of(request)
    phone = phone.strip()[:30]
    if not _login_token_ok(request, login_token):
        return _login_page(request, status=403, phone=phone,
                           error=Translator(lang)("ow_login_expired"))
    with _rt(request).uow() as unit:
        try:
            session = owner_auth.login(_rt(request), unit, phone, code.strip()[:10],
                                       client=client_of(request))
        except owner_auth.OwnerAuthError as exc:
            unit.commit()       # tries count even when the code is wrong
            step = "phone" if exc.code in ("invalid_phone", "code_locked") else "code"
            return _login_page(request, status=_auth_status(exc), phone=phone, step=step,
                               error=Translator(lang).error(exc))
        unit.commit()
    response = _redirect(request, f"{PREFIX}/data")
    set_session_cookie(request, response, session.token)
    clear_login_cookie(request, response)
    return response


@router.post("/logout")
def logout(request: Request, csrf: str | None = Form(None)) -> Response:
    with owner(request, post=True, csrf=csrf) as o:
        owner_auth.logout(_rt(request), o.unit, o.session, client=client_of(request))
        o.unit.commit()
    return _to_login(request, "ow_signed_out")


# ---------------------------------------------------------------------------------------------
# 我的数据 My data


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


def _shown(t: Translator, field: str, value) -> str:
    if field == "id_type" and isinstance(value, str) and value:
        return _label(t, "ow_idtype_", value)
    return _value(value)


def _field_rows(t: Translator, info: list[dict]) -> dict[str, dict]:
    """Per field: its purposes with their legal basis, how long it is kept, who can see it —
    in the page's language (the service answers in Chinese; codes are mapped back)."""
    out = {}
    for f in info:
        spec = CATALOGUE.get(f["field"])
        category = spec.category.value if spec else ""
        retention_key = f"ow_retention_{category}"
        retention = t(retention_key) if t.lang == "en" and i18n.has(retention_key) else \
            f["retention"]
        out[f["field"]] = {
            "label": t.field(f["field"]),
            "purposes": [{"label": t.purpose(p["purpose"]),
                          "basis": t.basis(p["purpose"]) if t.lang == "en" else p["basis"]}
                         for p in f["purposes"]],
            "retention": retention,
            "roles": [t.role(_ROLE_BY_LABEL.get(r, r)) for r in f["roles"]],
            "sensitivity": f.get("sensitivity", ""),
        }
    return out


@router.get("/data")
def my_data(request: Request) -> Response:
    with owner(request) as o:
        data = owner_portal.my_data(o.rt, o.unit, o.session, client=o.client)
        info = _field_rows(o.t, data["fields"])
        persons = [{"id": p["id"], "minor": p["is_minor"], "state": p["state"],
                    "name": _value(p["fields"].get("name")),
                    "fields": [{"name": f, "value": _shown(o.t, f, p["fields"].get(f)),
                                **info[f]} for f in info]}
                   for p in data["persons"]]
        household = [{"minor": p["is_minor"], "name": _value(p["fields"].get("name")),
                      "rooms": _value(p["fields"].get("rooms"))} for p in data["household"]]
        return o.done(o.page("data.html", persons=persons, household=household))


# ---------------------------------------------------------------------------------------------
# 访问记录 Access feed


def _staff_ref(t: Translator, ref: str) -> str:
    if t.lang != "en":
        return ref
    if ref == "本人":
        return t("ow_you")
    return "staff " + ref[2:] if ref.startswith("员工") else ref


def _label(t: Translator, prefix: str, value: str) -> str:
    key = f"{prefix}{value}"
    return t(key) if i18n.has(key) else value


def _feed(o: Owner) -> list[dict]:
    t = o.t
    return [{"time": local_time(e["time"]), "role": t.role(e["role"]),
             "staff": _staff_ref(t, e["staff"]),
             "action": _label(t, "ow_action_", e["action"]),
             "purpose": t.purpose(e["purpose"]) if e["purpose"] else "",
             "fields": [t.field(f) for f in e["fields"]],
             "outcome": _label(t, "ow_outcome_", e["outcome"]), "outcome_code": e["outcome"],
             "work_item": e["work_item"], "entry": e["entry"], "own": e["staff"] == "本人"}
            for e in owner_portal.access_log(o.unit, o.session, limit=FEED_SHOWN)]


@router.get("/access")
def access_feed(request: Request) -> Response:
    with owner(request) as o:
        from ownerguard.services.sharing import incidents as incidents_svc
        from ownerguard.services.sharing import shares as shares_svc
        from ownerguard.vault.policy import AccessContext

        ctx = AccessContext(actor=o.session.actor, role="owner", company_id="",
                            purpose="rights_request", scope=None, certified=True,
                            client=o.client)
        # Provisions to third parties (L5, L10) and breach notices (L21) sit above the feed.
        return o.done(o.page(
            "access.html", entries=_feed(o), shown=FEED_SHOWN,
            provisions=shares_svc.provisions_for(o.unit, list(o.mine())),
            notices=incidents_svc.for_owner(o.rt, o.unit, list(o.mine()), ctx)))


@router.post("/access/flag")
def flag_access(request: Request, entry: str = Form(""), text: str = Form(""),
                csrf: str | None = Form(None)) -> Response:
    """标记为可疑: a written inquiry of kind suspicious_access about one entry of my feed."""
    with owner(request, post=True, csrf=csrf) as o:
        entry, text = entry.strip(), text.strip()
        if not entry or len(entry) > 120 or len(text) > 4000:
            return o.done(o.error(422, o.t("invalid_request")))
        item = None
        last: Problem | None = None
        # The entry belongs to one of my persons; the service checks which (and refuses an
        # entry of anyone else's feed).
        for pid in o.mine():
            try:
                item = inquiries_svc.file(o.rt, o.unit, o.session, kind="suspicious_access",
                                          text=text or SUSPICIOUS_DEFAULT_ZH, person_id=pid,
                                          audit_ref=entry)
                break
            except inquiries_svc.InquiryError as exc:
                last = exc
                if exc.kind != "not_found":
                    break
        if item is None:
            o.unit.commit()
            status = 404 if last is None or last.code in ("person_not_found",
                                                          "access_entry_not_found") else 422
            message = user_error(o.lang, last) if last else o.t("ow_no_person")
            return o.error(status, message)
        o.unit.commit()
        return _redirect(request, f"{PREFIX}/inquiries", msg="ow_iq_flagged", n=item.number)


# ---------------------------------------------------------------------------------------------
# 同意管理 Consents


def _consent_view(o: Owner) -> list[dict]:
    t = o.t
    mine = o.mine()
    names: dict[str, str] = {}
    if len(mine) > 1:
        # Several persons share this phone (a family): name each section (a self-access read).
        data = owner_portal.my_data(o.rt, o.unit, o.session, client=o.client)
        names = {p["id"]: _value(p["fields"].get("name")) for p in data["persons"]}
    out = []
    for pid in mine:
        state = consent_svc.current(o.unit, pid)
        items = []
        for i in consent_svc.items_for(o.unit, mine[pid]):
            # Recipients (L5) are the company's partners: their names have no translation.
            en = t.lang == "en" and i.kind != "recipient"
            if i.kind == "purpose":
                label = t.purpose(i.target)
                explanation = t("ow_consent_purpose_expl", label=label) if en else \
                    i.explanation_zh
            else:
                label = _label(t, "ow_consent_", i.target) if en else i.label_zh
                explanation = _label(t, "ow_consent_expl_", i.target) if en else \
                    i.explanation_zh
            alternative = ""
            if i.alternative_zh:
                alternative = _label(t, "ow_consent_alt_", i.target) if en else i.alternative_zh
            items.append({"kind": i.kind, "target": i.target, "label": label,
                          "explanation": explanation, "alternative": alternative,
                          "granted": state.get((i.kind, i.target), False)})
        out.append({"id": pid, "name": names.get(pid, ""), "items": items})
    return out


def _consent_page(o: Owner, *, status: int = 200, receipt: dict | None = None,
                  error: str | None = None) -> HTMLResponse:
    return o.page("consents.html", status=status, notice_text=NOTICE_TEXT_ZH,
                  notice_version=NOTICE_VERSION, persons=_consent_view(o), receipt=receipt,
                  error=error, get_path=f"{PREFIX}/consents")


@router.get("/consents")
def consents(request: Request) -> Response:
    with owner(request) as o:
        return o.done(_consent_page(o))


@router.post("/consents")
def change_consent(request: Request, person_id: str = Form(""), kind: str = Form(""),
                   target: str = Form(""), granted: str = Form(""),
                   notice_version: str = Form(""), csrf: str | None = Form(None)) -> Response:
    """One tap: grant or withdraw one item for one of my persons; the receipt is shown."""
    with owner(request, post=True, csrf=csrf) as o:
        mine = o.mine()
        if person_id not in mine or granted not in ("0", "1"):
            o.unit.commit()
            return o.error(404, o.t("ow_no_person"))
        try:
            r = consent_svc.set_consent(
                o.rt, o.unit, company_id=mine[person_id], person_id=person_id,
                kind=kind[:20], target=target[:80], granted=granted == "1",
                notice_version=notice_version[:20], actor=o.session.actor, client=o.client)
        except consent_svc.ConsentError as exc:
            o.unit.commit()         # nothing was written; keeps the session's last-seen time
            return _consent_page(o, status=422, error=user_error(o.lang, exc))
        item = next((i for i in consent_svc.items_for(o.unit, mine[person_id])
                     if (i.kind, i.target) == (r.kind, r.target)), None)
        label = (o.t.purpose(r.target) if r.kind == "purpose"
                 else _label(o.t, "ow_consent_", r.target)) \
            if o.lang == "en" and r.kind != "recipient" else (item.label_zh if item else r.target)
        receipt = {"label": label, "granted": r.granted, "at": local_time(r.at),
                   "receipt": r.receipt}
        return o.done(_consent_page(o, receipt=receipt))


# ---------------------------------------------------------------------------------------------
# 书面质疑 Inquiries


def _kinds(t: Translator) -> list[tuple[str, str]]:
    return [(k, _label(t, "ow_iq_kind_", k) if t.lang == "en" else zh)
            for k, zh in inquiries_svc.KINDS.items()]


def _inquiry_rows(o: Owner) -> list[dict]:
    kinds = dict(_kinds(o.t))
    return [{"id": i.id, "number": i.number, "kind": kinds.get(i.kind, i.kind),
             "status": _label(o.t, "ow_iq_status_", i.status), "status_code": i.status,
             "due": i.due.isoformat(), "due_estimated": i.due_estimated,
             "entry": i.audit_ref} for i in inquiries_svc.mine(o.unit, o.session)]


def _inquiries_page(o: Owner, *, status: int = 200, error: str | None = None,
                    kind: str = "", text: str = "") -> HTMLResponse:
    return o.page("inquiries.html", status=status, inquiries=_inquiry_rows(o),
                  kinds=_kinds(o.t), kind=kind, text=text, error=error,
                  get_path=f"{PREFIX}/inquiries")


@router.get("/inquiries")
def inquiries(request: Request) -> Response:
    with owner(request) as o:
        return o.done(_inquiries_page(o))


@router.post("/inquiries")
def file_inquiry(request: Request, kind: str = Form(""), text: str = Form(""),
                 csrf: str | None = Form(None)) -> Response:
    with owner(request, post=True, csrf=csrf) as o:
        kind, text = kind.strip()[:30], text.strip()
        if not text or len(text) > 4000:
            return o.done(_inquiries_page(o, status=422, kind=kind, text=text[:4000],
                                          error=o.t("ow_iq_need_text")))
        try:
            item = inquiries_svc.file(o.rt, o.unit, o.session, kind=kind, text=text)
        except inquiries_svc.InquiryError as exc:
            o.unit.commit()
            return _inquiries_page(o, status=status_of(exc),
                                   kind=kind, text=text, error=user_error(o.lang, exc))
        o.unit.commit()
        return _redirect(request, f"{PREFIX}/inquiries", msg="ow_iq_filed", n=item.number)
