"""The API's one error handler: every refusal is ``{"detail": {"code", "reason",
"reason_en"}}`` — ``code`` stable, ``reason`` in the reader's language (Accept-Language,
Chinese by default), ``reason_en`` in English — with the status of the problem's kind."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ownerguard.edge import accepted_language, status_of
from ownerguard.errors import Invalid, Problem, Unavailable
from ownerguard.i18n import Label
from ownerguard.vault.audit import AuditWriteFailed


def body(problem: Problem, lang: str) -> dict:
    return {"detail": {"code": problem.code, "reason": problem.message(lang),
                       "reason_en": problem.message("en")}}


def respond(request: Request, problem: Problem) -> JSONResponse:
    return JSONResponse(body(problem, accepted_language(request)),
                        status_code=status_of(problem))


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    def _problem(request: Request, exc: Problem) -> JSONResponse:
        return respond(request, exc)

    @app.exception_handler(AuditWriteFailed)
    def _audit_down(request: Request, _exc: AuditWriteFailed) -> JSONResponse:
        # Invariant 2: no audit, no data. The message names no value.
        return respond(request, Unavailable("audit_unavailable"))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Say which field is wrong, never echo the submitted value back.
        fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()})
        return respond(request, Invalid("invalid_request", fields="、".join(fields)))


__all__ = ["Label", "install", "respond"]
