"""Cookies and CSRF tokens of the owner portal (``/owner``).

The session cookie holds the token ``services.owner_auth.login`` issues (the server keeps only
its hash). It is HttpOnly, SameSite=Strict, Secure over https, and sent only under ``/owner``,
so the staff console never sees it. The CSRF token of a signed-in page is an HMAC of the session
token: the server needs no second secret per session, an attacker without the HttpOnly token
cannot compute it, and the token cannot be recovered from it. Before sign-in, the two forms
(request a code, sign in) carry a double-submit token of their own (login CSRF).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from fastapi import Request
from fastapi.responses import Response

from ownerguard.web.render import is_https

PREFIX = "/owner"
SESSION_COOKIE = "og_owner"
LOGIN_COOKIE = "og_owner_login"
LOGIN_PATH = f"{PREFIX}/login"
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def cookie(request: Request, name: str) -> str:
    value = request.cookies.get(name, "")
    return value if _TOKEN_CHARS.match(value) else ""


def csrf_for(token: str) -> str:
    """The CSRF token of the pages of one owner session."""
    return hmac.new(token.encode(), b"ownerguard-owner-csrf-v1", hashlib.sha256).hexdigest()


def csrf_ok(token: str, supplied: str | None) -> bool:
    return bool(token and supplied) and hmac.compare_digest(csrf_for(token), supplied or "")


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def set_login_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(LOGIN_COOKIE, value, path=LOGIN_PATH, httponly=True, samesite="strict",
                        secure=is_https(request))


def clear_login_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH, httponly=True, samesite="strict",
                           secure=is_https(request))


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    # A session cookie (no Max-Age): the server ends it after 30 idle minutes or 12 hours.
    response.set_cookie(SESSION_COOKIE, token, path=PREFIX, httponly=True, samesite="strict",
                        secure=is_https(request))


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=PREFIX, httponly=True, samesite="strict",
                           secure=is_https(request))


