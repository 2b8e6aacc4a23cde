"""An owner-portal world: the staff world of ``staff_world`` plus two owners who sign in by SMS."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ownerguard.adapters.contact.sms import list_outbox
from ownerguard.app import create_app
from support.staff_world import build_world

ALICE_PHONE = "13811112222"
BOB_PHONE = "13933334444"


@pytest.fixture
def world(rt, monkeypatch):
    return build_world(rt)


def last_code(world) -> str:
    text = list_outbox(world.rt.settings.home / "outbox")[-1]["text"]
    return re.search(r"\d{6}", text).group()


def owner_token(world, phone: str) -> str:
    assert world.client.post("/api/v1/owner/otp", json={"phone": phone}).status_code == 202
    r = world.client.post("/api/v1/owner/login", json={"phone": phone,
                                                       "code": last_code(world)})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


# -- the portal's pages, as a phone browser signs in -----------------------------------------

def client_for(world, *, https: bool = False) -> TestClient:
    return TestClient(create_app(world.rt),
                      base_url="https://testserver" if https else "http://testserver")


def login_token(html: str) -> str:
    return re.search(r'name="login_token" value="([^"]+)"', html).group(1)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def request_code(client: TestClient, phone: str):
    page = client.get("/owner/login")
    assert page.status_code == 200
    return client.post("/owner/login/code", data={"phone": phone,
                                                  "login_token": login_token(page.text)})


def sign_in(world, phone: str, *, https: bool = False) -> TestClient:
    client = client_for(world, https=https)
    step = request_code(client, phone)
    assert step.status_code == 200, step.text
    r = client.post("/owner/login", follow_redirects=False, data={
        "phone": phone, "code": last_code(world), "login_token": login_token(step.text)})
    assert r.status_code == 303 and r.headers["location"] == "/owner/data", r.text
    return client


