"""Deny by default (invariant 3): every API endpoint and portal page refuses a request that
carries no credentials, except the few that exist to obtain them. A new route that forgets its
authentication dependency fails here."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ownerguard.app import create_app

PUBLIC = {
    ("GET", "/"), ("GET", "/healthz"),
    ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/owner/otp"),
    ("POST", "/api/v1/owner/login"),
    ("GET", "/api/v1/training/lessons"),        # the lessons themselves: no personal data
}
ANY_ID = "00000000-0000-4000-8000-000000000000"


def test_every_api_route_refuses_anonymous_requests(rt):
    app = create_app(rt)
    client = TestClient(app, follow_redirects=False)
    checked = 0
    # The OpenAPI document lists every API route (routers are nested, so app.routes is not flat).
    for template, operations in app.openapi()["paths"].items():
        if not template.startswith("/api/"):
            continue
        path = re.sub(r"\{[^}]+\}", ANY_ID, template)
        for method in operations:
            if (method.upper(), template) in PUBLIC:
                continue
            r = client.request(method.upper(), path, json={})
            assert r.status_code in (401, 403), (method, template, r.status_code)
            checked += 1
    assert checked > 60


def test_portal_pages_need_a_session(rt):
    client = TestClient(create_app(rt), follow_redirects=False)
    for path in ("/owner/data", "/owner/access", "/owner/consents", "/owner/inquiries",
                 "/owner/rights", "/console/", "/console/dpo/audit"):
        r = client.get(path)
        assert r.status_code in (302, 303, 401, 403), (path, r.status_code)
