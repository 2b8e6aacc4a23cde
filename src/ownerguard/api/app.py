"""The HTTP service: REST API under ``/api/v1`` and the staff console under ``/console``.

Every endpoint that touches personal data goes through the services and so through the gate;
the app itself holds no state besides the runtime, so any number of processes can serve.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from ownerguard import __version__
from ownerguard.services.runtime import Runtime
from ownerguard.vault.audit import AuditWriteFailed
from ownerguard.api.routes import (admin, auth, inquiries, notices, oversight, owner, persons, reports,
                     sharing, third_parties, training, work_items)
from ownerguard.api.routes import rights as rights_routes
from ownerguard.api.routes import residencies as residencies_routes

INDEX_HTML = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>业主信息卫士 OwnerGuard</title>
<body style="font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<h1>业主信息卫士 <small>OwnerGuard</small></h1>
<p>业主个人信息加密存储，每一次查看都经过策略判定并记入防篡改审计日志。</p>
<p lang="en">Owners' personal data, encrypted, behind one audited gate.</p>
<ul><li><a href="/console/">员工工作台 staff console</a></li>
<li><a href="/healthz">/healthz</a> 运行状态 health</li>
<li><a href="/docs">/docs</a> API 文档 API docs</li></ul></body></html>"""


def create_app(rt: Runtime) -> FastAPI:
    app = FastAPI(title="OwnerGuard 业主信息卫士", version=__version__,
                  description="Owners' personal data behind one audited gate. Errors are "
                              '`{"detail": {"code", "reason", "reason_en"}}`.')
    app.state.rt = rt

    @app.exception_handler(AuditWriteFailed)
    def _audit_down(_request, _exc) -> JSONResponse:
        # Invariant 2: no audit, no data. The message names no value.
        return JSONResponse({"detail": {"code": "audit_unavailable",
                                        "reason": "审计日志暂不可用，为保护业主信息已拒绝本次操作",
                                        "reason_en": "audit log unavailable; request refused"}},
                            status_code=503)

    @app.exception_handler(RequestValidationError)
    def _invalid(_request, exc: RequestValidationError) -> JSONResponse:
        # Say which field is wrong, never echo the submitted value back.
        fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()})
        return JSONResponse({"detail": {"code": "invalid_request",
                                        "reason": "请求格式不正确：" + "、".join(fields),
                                        "reason_en": "invalid request: " + ", ".join(fields)}},
                            status_code=422)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return INDEX_HTML

    @app.get("/healthz", tags=["ops"])
    def healthz() -> JSONResponse:
        """Liveness and readiness: the database answers and the master key is loaded."""
        checks = {"database": "ok", "master_key": "ok"}
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            checks["database"] = "unavailable"
        try:
            rt.master.current_version()
        except Exception:
            checks["master_key"] = "unavailable"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "degraded", "version": __version__,
                             **checks}, status_code=200 if ok else 503)

    for module in (auth, persons, oversight, work_items, training, sharing, admin, notices,
                   owner, inquiries, third_parties, reports):
        app.include_router(module.router)
    app.include_router(rights_routes.router)
    app.include_router(residencies_routes.router)
    from ownerguard.web import install

    install(app)
    return app
