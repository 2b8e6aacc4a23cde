"""HTTP benchmark: the masked list (50 rows) and a clear reveal, served by 2 uvicorn workers to
32 concurrent clients, beside a baseline endpoint that returns the same 50 rows' room labels
straight from the database — no sign-in, no decryption, no masking, no audit — from the same
kind of server in the same run. The baseline app exists only here; the product never serves it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CLIENTS = 32
WORKERS = 2
BASELINE_MODULE = "ownerguard_bench.http:baseline_app"


def _baseline_app():
    from fastapi import FastAPI
    from sqlalchemy import select

    from ownerguard.services.runtime import open_runtime
    from ownerguard.store.tables import buildings, communities, residencies, rooms

    rt = open_runtime()
    app = FastAPI()
    with rt.uow(read_only=True) as uow:
        community = uow.conn.execute(select(communities.c.id)).scalars().first()
    # The same page query as the real list (room order, 50 rows), without anything else.
    q = (select(residencies.c.person_id, buildings.c.name, rooms.c.number)
         .join(rooms, rooms.c.id == residencies.c.room_id)
         .join(buildings, buildings.c.id == rooms.c.building_id)
         .where(rooms.c.community_id.in_([community]))
         .order_by(rooms.c.community_id, rooms.c.room_key, residencies.c.role,
                   residencies.c.person_id).limit(50))

    @app.get("/baseline/persons")
    def persons() -> dict:
        with rt.uow(read_only=True) as uow:
            rows = uow.conn.execute(q).all()
        return {"items": [{"id": r.person_id, "rooms": [f"{r.name}{r.number}"]} for r in rows]}

    return app


def __getattr__(name: str):
    # ``uvicorn module:baseline_app`` imports this lazily, only in the baseline server.
    if name == "baseline_app":
        return _baseline_app()
    raise AttributeError(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


APP = "ownerguard.app:from_environment"


def _serve(app: str, home: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "OWNERGUARD_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(WORKERS), "--log-level", "warning", "--no-access-log",
         *(["--factory"] if app == APP else [])],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(base + "/healthz" if app == APP else base + "/docs",
                         timeout=1).status_code < 500:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server {app} did not start")


async def _load(base: str, method: str, path: str, headers: dict, body: dict | None,
                seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as c:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await c.request(method, path, json=body)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)
    return {"req_per_s": round(n / elapsed), "p50_ms": round(latencies[n // 2] * 1000, 1),
            "p99_ms": round(latencies[min(n - 1, int(n * 0.99))] * 1000, 1), "errors": errors,
            "requests": n}


def run(home: Path, token: str, person_id: str, seconds: float = 5.0) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    app_proc, app_base = _serve(APP, home)
    base_proc, base_base = _serve(BASELINE_MODULE, home)
    try:
        baseline = asyncio.run(_load(base_base, "GET", "/baseline/persons", {}, None, seconds))
        listing = asyncio.run(_load(app_base, "GET", "/api/v1/persons", headers, None, seconds))
        reveal = asyncio.run(_load(app_base, "POST", f"/api/v1/persons/{person_id}/reveal",
                                   headers, {"fields": ["name"], "purpose": "record_keeping"},
                                   seconds))
    finally:
        for p in (app_proc, base_proc):
            p.terminate()
            p.wait(timeout=10)
    return {"http_baseline": baseline, "http_list": listing, "http_reveal": reveal,
            "http_list_vs_baseline": round(baseline["req_per_s"] / max(1, listing["req_per_s"]),
                                           2),
            "http_reveal_vs_baseline": round(baseline["req_per_s"] / max(1, reveal["req_per_s"]),
                                             2)}
