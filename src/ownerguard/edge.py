"""What every HTTP entrypoint shares — the REST API (``api/``), the staff console and the owner
portal (``web/``): who the client is, which language the reader wants, and how a refusal
(``errors.Problem``) becomes a status. The API and the web pages never import each other.
"""

from __future__ import annotations

from fastapi import Request

from ownerguard.errors import HTTP_STATUS, Problem


def client_of(request: Request) -> str:
    """The address the server saw. Behind a reverse proxy the operator enables proxy headers
    explicitly (``ownerguard serve --proxy``); a forwarded header is never taken on trust."""
    return request.client.host if request.client else ""


def status_of(problem: Problem) -> int:
    return HTTP_STATUS[problem.kind]


def accepted_language(request: Request) -> str:
    """``zh`` unless the request prefers English (``Accept-Language: en…``) or names a
    catalogue of its own (``?lang=``)."""
    from ownerguard.i18n import normalise

    chosen = request.query_params.get("lang")
    if chosen:
        return normalise(chosen)
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return normalise(first) if first else normalise(None)
