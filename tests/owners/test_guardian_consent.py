"""Household members consent for themselves; a child under 14 through a guardian — an owner
of the room the child lives in (PIPL 31; L4, L6). From 14 the minor decides alone."""

from __future__ import annotations

from datetime import date

import pytest

from ownerguard import clock
from ownerguard.domain.consent import NOTICE_VERSION
from ownerguard.domain.model import ResidencyRole, age_on
from ownerguard.domain.rows import PersonRow, RoomRow
from support.helpers import store_rows
from support.owner_world import ALICE_PHONE, BOB_PHONE, owner_token, world  # noqa: F401

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres


def _child(row: int, name: str, born: date) -> PersonRow:
    return PersonRow(row=row, room=RoomRow("1栋", "1单元", "101"), name=name,
                     role=ResidencyRole.FAMILY, gender="男", phone=None, id_type=None,
                     id_number=None, birth_date=born)


@pytest.fixture
def family(world):
    today = clock.today()
    store_rows(world.rt, [_child(10, "小明", date(today.year - 8, 1, 1)),
                          _child(11, "小红", date(today.year - 16, 1, 1))])
    return world


def _consents(world, phone):
    h = {"Authorization": f"Bearer {owner_token(world, phone)}"}
    return h, world.client.get("/api/v1/me/consents", headers=h).json()


def test_age_on_counts_completed_years():
    assert age_on(date(2012, 11, 29), date(2026, 11, 28)) == 13
    assert age_on(date(2012, 11, 28), date(2026, 11, 28)) == 14


def test_guardian_consents_for_a_child_under_14_only(family):
    h, got = _consents(family, ALICE_PHONE)
    wards = [p for p in got["persons"] if p["as_guardian"]]
    assert len(wards) == 1                     # the 8-year-old, not the 16-year-old
    child = wards[0]["person_id"]
    r = family.client.put("/api/v1/me/consents", headers=h, json={
        "notice_version": NOTICE_VERSION,
        "items": [{"kind": "purpose", "target": "delivery", "granted": True,
                   "person_id": child}]})
    assert r.status_code == 200, r.text
    assert r.json()["receipts"][0]["person_id"] == child
    _, again = _consents(family, ALICE_PHONE)
    state = next(p for p in again["persons"] if p["person_id"] == child)
    assert next(i for i in state["items"] if i["target"] == "delivery")["granted"]
    me = family.client.get("/api/v1/me", headers=h).json()
    flags = {m["id"]: m["under_guardianship"] for m in me["household"]}
    assert flags[child] is True and list(flags.values()).count(True) == 1


def test_teenager_and_strangers_cannot_be_consented_for(family):
    h, got = _consents(family, ALICE_PHONE)
    me = family.client.get("/api/v1/me", headers=h).json()
    teen = next(m["id"] for m in me["household"] if not m["under_guardianship"])
    for pid in (teen, family.bob):
        r = family.client.put("/api/v1/me/consents", headers=h, json={
            "notice_version": NOTICE_VERSION,
            "items": [{"kind": "purpose", "target": "delivery", "granted": True,
                       "person_id": pid}]})
        assert r.status_code == 404
    # Bob, who lives elsewhere, is nobody's guardian here.
    _, bob = _consents(family, BOB_PHONE)
    assert not any(p["as_guardian"] for p in bob["persons"])
