"""Templates and responses of the console: one Jinja2 environment with autoescape on, the
security headers every page carries, and the cookies the console sets."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ownerguard import i18n
from ownerguard.web import minimd
from ownerguard.web.i18n import (
    DEFAULT_LANG,
    LANG_COOKIE,
    LANGS,
    LOCALE_OF,
    Translator,
    normalise_lang,
)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

R = TypeVar("R", bound=Response)

SESSION_COOKIE = "og_session"
CSRF_COOKIE = "og_csrf"
LOGIN_COOKIE = "og_login"      # double-submit token of the sign-in form (login CSRF)
CSRF_HEADER = "X-CSRF-Token"

# Pages hold personal data: never cached, never framed, no third-party anything. htmx runs
# from our own /static with eval and inline styles switched off (see base.html), so the policy
# needs neither 'unsafe-inline' nor 'unsafe-eval'.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"),
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

# htmx settings (read from <meta name="htmx-config">): no eval, no injected <style>, no page
# snapshots in localStorage (they would keep revealed values), and error responses are
# swapped in like any other so refusals show where the user is looking.
HTMX_CONFIG = json.dumps({
    "allowEval": False,
    "allowScriptTags": False,
    "includeIndicatorStyles": False,
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "selfRequestsOnly": True,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "[45]..", "swap": True, "error": True},
    ],
})

_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")

def _join(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


@functools.cache
def environment(lang: str) -> Environment:
    """One template environment per page language, with the catalogue's gettext installed
    (``jinja2.ext.i18n``, new style: ``_("key", n=3)`` fills ``%(n)s`` and escapes)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.Translations(LOCALE_OF.get(lang, i18n.SOURCE)), newstyle=True)
    env.filters["md"] = minimd.render
    env.filters["joined"] = _join
    return env


def lang_of(request: Request) -> str:
    return (normalise_lang(request.query_params.get("lang"))
            or normalise_lang(request.cookies.get(LANG_COOKIE)) or DEFAULT_LANG)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def lang_links(request: Request, get_path: str | None = None) -> dict[str, str]:
    """Links that switch the language on the page shown (query strings of console pages hold
    ids and filters, never personal values)."""
    if request.method == "GET" and get_path is None:
        path = request.url.path
        params = [(k, v) for k, v in request.query_params.multi_items()
                  if k not in ("lang", "msg")]
    else:
        path, params = get_path or "/console/", []
    return {code: f"{path}?{urlencode(params + [('lang', code)])}" for code in LANGS}


def finish(request: Request, response: R) -> R:
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    chosen = normalise_lang(request.query_params.get("lang"))
    if chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, path="/",
                            samesite="lax", httponly=True, secure=is_https(request))
    return response


def render(request: Request, template: str, *, status: int = 200,
           headers: dict[str, str] | None = None, **context) -> HTMLResponse:
    lang = context.pop("lang", None) or lang_of(request)
    context.setdefault("me", None)
    if not _SAFE_TOKEN.match(context.get("csrf") or ""):
        context["csrf"] = ""
    context.setdefault("flash", None)
    context.setdefault("get_path", None)
    html = environment(lang).get_template(template).render(
        t=Translator(lang), lang=lang, html_lang="en" if lang == "en" else "zh-CN",
        path=request.url.path, htmx_config=HTMX_CONFIG,
        # Only [A-Za-z0-9_-] in the token (checked above), so the JSON is safe as written
        # inside the single-quoted attribute.
        hx_headers=Markup(json.dumps({CSRF_HEADER: context["csrf"]})),
        lang_links=lang_links(request, context["get_path"]), **context)
    return finish(request, HTMLResponse(html, status_code=status, headers=headers))


def set_session_cookies(request: Request, response: Response, token: str, csrf: str) -> None:
    secure = is_https(request)
    response.set_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="strict",
                        secure=secure)
    # Readable by our pages (rendered into forms and the htmx header); the server keeps only
    # its hash in the session row and compares.
    response.set_cookie(CSRF_COOKIE, csrf, path="/", httponly=False, samesite="strict",
                        secure=secure)


def clear_session_cookies(request: Request, response: Response) -> None:
    secure = is_https(request)
    for name, http_only in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", httponly=http_only, samesite="strict",
                               secure=secure)
