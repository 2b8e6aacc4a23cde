"""The HTTP service: the REST API under ``/api/v1``, the staff console under ``/console`` and
the owner portal under ``/owner`` — composed here, so the API and the pages never import each
other.

Every endpoint that touches personal data goes through the services and so through the gate;
the app itself holds no state besides the runtime, so any number of processes can serve
(``uvicorn --factory ownerguard.app:from_environment --workers N``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from ownerguard import __version__, web
from ownerguard.api.errors import install as install_api_errors
from ownerguard.api.routes import (
    admin,
    auth,
    inquiries,
    notices,
    oversight,
    owner,
    persons,
    reports,
    residencies,
    rights,
    sharing,
    third_parties,
    training,
    work_items,
)
from ownerguard.services.runtime import Runtime, open_runtime

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

    install_api_errors(app)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return INDEX_HTML

    @app.get("/healthz", tags=["ops"])
    def healthz() -> JSONResponse:
        """Liveness and readiness: the database answers and the master key is loaded."""
        checks = rt.health()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "degraded", "version": __version__,
                             **checks}, status_code=200 if ok else 503)

    for module in (auth, persons, oversight, work_items, training, sharing, admin, notices,
                   owner, inquiries, third_parties, reports, rights, residencies):
        app.include_router(module.router)
    web.install(app)
    return app


def from_environment() -> FastAPI:
    """The app of the home in ``OWNERGUARD_HOME`` (one runtime per worker process)."""
    return create_app(open_runtime())
