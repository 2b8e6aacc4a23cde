"""An owner-portal world: the staff world of ``staff_world`` plus two owners who sign in by SMS."""

from __future__ import annotations

import re

import pytest

from ownerguard.adapters.contact.sms import list_outbox
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
