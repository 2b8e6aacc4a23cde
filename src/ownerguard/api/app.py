"""The HTTP service. Only health and the API description for now; every endpoint that touches
personal data arrives with staff sign-in and goes through the gate like the CLI does."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from .. import __version__
from ..services.runtime import Runtime

INDEX_HTML = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>业主信息卫士 OwnerGuard</title>
<body style="font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<h1>业主信息卫士 <small>OwnerGuard</small></h1>
<p>业主个人信息加密存储，每一次查看都经过策略判定并记入防篡改审计日志。</p>
<p lang="en">Owners' personal data, encrypted, behind one audited gate.</p>
<ul><li><a href="/healthz">/healthz</a> 运行状态 health</li>
<li><a href="/docs">/docs</a> API 文档 API docs</li></ul></body></html>"""


def create_app(rt: Runtime) -> FastAPI:
    app = FastAPI(title="OwnerGuard 业主信息卫士", version=__version__,
                  description="Owners' personal data behind one audited gate.")

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

    return app
