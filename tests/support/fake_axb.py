"""A fake AXB privacy-number vendor implementing the contract ``AxbBroker`` documents, for tests.

The signature check is written here independently of ``number_broker.axb_signature`` on purpose:
if the two shared code, a mistake in it would verify against itself.

``app.state``: ``bindings`` (subscriptionId → binding), ``pool`` (free aliases), ``verified``
(requests whose signature checked out), ``clock`` (replace to test skew).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

MAX_SKEW_SECONDS = 300


def _expected_signature(secret: str, fields: dict[str, str]) -> str:
    pairs = sorted((quote(k, safe="~"), quote(v, safe="~")) for k, v in fields.items())
    text = "&".join(f"{k}={v}" for k, v in pairs)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def create_fake_axb(app_key: str = "test-app-key", app_secret: str = "test-app-secret",
                    pool: list[str] | None = None) -> FastAPI:
    app = FastAPI()
    app.state.pool = list(pool if pool is not None else [f"1710000{i:04d}" for i in range(10)])
    app.state.bindings = {}
    app.state.verified = 0
    app.state.clock = time.time

    def refuse(code: str, message: str, status: int = 200) -> JSONResponse:
        return JSONResponse({"code": code, "message": message}, status_code=status)

    async def authenticated(request: Request) -> dict[str, str] | JSONResponse:
        body = await request.json()
        if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
            return refuse("400", "body must be an object of strings")
        key = request.headers.get("x-app-key", "")
        timestamp = request.headers.get("x-timestamp", "")
        signature = request.headers.get("x-signature", "")
        if key != app_key:
            return refuse("401", "unknown app key", 401)
        if not timestamp.isdigit() or abs(app.state.clock() - int(timestamp)) > MAX_SKEW_SECONDS:
            return refuse("401", "timestamp skew too large", 401)
        expected = _expected_signature(app_secret, {**body, "appKey": key, "timestamp": timestamp})
        if not hmac.compare_digest(expected, signature):
            return refuse("401", "signature mismatch", 401)
        app.state.verified += 1
        return body

    @app.post("/axb/bind")
    async def bind(request: Request) -> JSONResponse:
        body = await authenticated(request)
        if isinstance(body, JSONResponse):
            return body
        phone_a, phone_b = body.get("phoneA", ""), body.get("phoneB")
        expiration = body.get("expiration", "")
        if not phone_a.isdigit() or (phone_b is not None and not phone_b.isdigit()):
            return refuse("400", f"bad phone number {phone_a} {phone_b}")
        if not expiration.isdigit() or int(expiration) <= 0:
            return refuse("400", "bad expiration")
        if not app.state.pool:
            return refuse("409", f"no secretNo available for {phone_a}")
        secret_no = app.state.pool.pop(0)
        subscription = uuid.uuid4().hex
        app.state.bindings[subscription] = {
            "phoneA": phone_a, "phoneB": phone_b, "secretNo": secret_no,
            "bindingRef": body.get("bindingRef"),
            "expires": app.state.clock() + int(expiration),
        }
        return JSONResponse({"code": "0", "data": {"subscriptionId": subscription,
                                                   "secretNo": secret_no}})

    @app.post("/axb/unbind")
    async def unbind(request: Request) -> JSONResponse:
        body = await authenticated(request)
        if isinstance(body, JSONResponse):
            return body
        binding = app.state.bindings.pop(body.get("subscriptionId", ""), None)
        if binding is None:
            return refuse("404", "no such subscription")
        app.state.pool.append(binding["secretNo"])
        return JSONResponse({"code": "0"})

    return app
