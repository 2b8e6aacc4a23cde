"""The owner portal: SMS sign-in, my data, my access feed; IDOR (owner A never reaches owner
B), brute force and enumeration (owner-portal issue; L11)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ownerguard import clock
from ownerguard.adapters.contact.sms import list_outbox
from ownerguard.cli.main import app
from ownerguard.services.owners import auth as owner_auth
from support.owner_world import ALICE_PHONE, BOB_PHONE, last_code, owner_token, world  # noqa: F401

_last_code = last_code


def test_sign_in_and_my_data(world):
    h = {"Authorization": f"Bearer {owner_token(world, ALICE_PHONE)}"}
    me = world.client.get("/api/v1/me", headers=h).json()
    assert [p["id"] for p in me["persons"]] == [world.alice]
    fields = me["persons"][0]["fields"]
    assert fields["name"] == "爱丽丝" and fields["phone"] == [ALICE_PHONE]
    info = {f["field"]: f for f in me["fields"]}
    assert info["id_number"]["purposes"] and info["id_number"]["retention"]
    assert "管家" in info["phone"]["roles"] and "系统管理员" not in info["phone"]["roles"]
    assert "billing" not in [p["purpose"] for p in info["id_number"]["purposes"]]   # L2


def test_outbox_keeps_no_full_number(world):
    owner_token(world, ALICE_PHONE)
    records = list_outbox(world.rt.settings.home / "outbox")
    assert ALICE_PHONE not in json.dumps(records, ensure_ascii=False)
    out = CliRunner().invoke(app, ["outbox", "list", "--json"])
    assert out.exit_code == 0 and ALICE_PHONE not in out.stdout


def test_unknown_phone_gets_the_same_answer_and_no_sms(world):
    before = len(list_outbox(world.rt.settings.home / "outbox"))
    known = world.client.post("/api/v1/owner/otp", json={"phone": ALICE_PHONE})
    unknown = world.client.post("/api/v1/owner/otp", json={"phone": "13700000000"})
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    assert len(list_outbox(world.rt.settings.home / "outbox")) == before + 1
    r = world.client.post("/api/v1/owner/login", json={"phone": "13700000000",
                                                       "code": "123456"})
    assert r.status_code == 401 and r.json()["detail"]["code"] == "code_invalid"


def test_brute_force_is_stopped(world):
    world.client.post("/api/v1/owner/otp", json={"phone": ALICE_PHONE})
    right = _last_code(world)
    codes = []
    for n in range(5):
        wrong = f"{(int(right) + n + 1) % 10**6:06d}"
        codes.append(world.client.post("/api/v1/owner/login", json={
            "phone": ALICE_PHONE, "code": wrong}).json()["detail"]["code"])
    assert codes[-1] == "code_locked"
    # Even the right code is useless now.
    r = world.client.post("/api/v1/owner/login", json={"phone": ALICE_PHONE, "code": right})
    assert r.status_code == 401


def test_code_requests_are_rate_limited(world):
    for _ in range(owner_auth.PER_PHONE):
        assert world.client.post("/api/v1/owner/otp",
                                 json={"phone": ALICE_PHONE}).status_code == 202
    r = world.client.post("/api/v1/owner/otp", json={"phone": ALICE_PHONE})
    assert r.status_code == 429 and r.json()["detail"]["code"] == "code_rate_limited"


def test_expired_code(world, monkeypatch):
    from datetime import timedelta

    monkeypatch.setattr(owner_auth, "CODE_TTL", timedelta(seconds=-1))
    world.client.post("/api/v1/owner/otp", json={"phone": ALICE_PHONE})
    r = world.client.post("/api/v1/owner/login", json={"phone": ALICE_PHONE,
                                                       "code": _last_code(world)})
    assert r.json()["detail"]["code"] == "code_invalid"


def test_idor_owner_a_gets_nothing_of_owner_b(world):
    alice = {"Authorization": f"Bearer {owner_token(world, ALICE_PHONE)}"}
    bob = {"Authorization": f"Bearer {owner_token(world, BOB_PHONE)}"}
    # a staff member reads Bob's record, so Bob's access log has an entry
    world.client.get(f"/api/v1/persons/{world.bob}", headers=world.as_("dpo"))
    for path in ("/api/v1/me", "/api/v1/me/access-log"):
        for params in ({}, {"person_id": world.bob}, {"id": world.bob}):
            r = world.client.get(path, headers=alice, params=params)
            assert r.status_code == 200
            assert world.bob not in r.text and "鲍勃" not in r.text and BOB_PHONE not in r.text
    assert world.bob in world.client.get("/api/v1/me", headers=bob).text
    # An owner token opens no staff endpoint, and a staff token no owner endpoint.
    assert world.client.get(f"/api/v1/persons/{world.bob}", headers=alice).status_code == 401
    assert world.client.get("/api/v1/me", headers=world.as_("dpo")).status_code == 401


def test_access_feed_shows_staff_reads(world):
    item = world.work_item("technician")
    world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=world.as_("technician"),
                      json={"fields": ["phone"], "purpose": "repair",
                            "work_order_id": item.number})
    h = {"Authorization": f"Bearer {owner_token(world, ALICE_PHONE)}"}
    entries = world.client.get("/api/v1/me/access-log", headers=h).json()["entries"]
    reveal = next(e for e in entries if e["action"] == "reveal")
    assert (reveal["role_label"], reveal["purpose_label"], reveal["fields"],
            reveal["outcome"]) == ("维修", "报修维修", ["phone"], "clear")
    # a pseudonymous staff reference, never the account name (here the username is the role
    # code, which the entry carries as "role" anyway)
    assert reveal["staff"].startswith("员工") and "actor" not in reveal
    assert any(e["action"] == "collect" for e in entries)      # the import that stored it


def test_consents_grant_withdraw_with_receipts(world):
    h = {"Authorization": f"Bearer {owner_token(world, ALICE_PHONE)}"}
    got = world.client.get("/api/v1/me/consents", headers=h).json()
    assert got["notice_version"] and "撤回" in got["notice"]
    items = {(i["kind"], i["target"]): i for i in got["persons"][0]["items"]}
    assert items[("purpose", "delivery")]["granted"] is False
    assert items[("face", "face_entry")]["alternative"]          # L7: an alternative, always
    # informed consent: an old notice version is refused
    r = world.client.put("/api/v1/me/consents", headers=h, json={
        "notice_version": "1999-01", "items": [{"kind": "purpose", "target": "delivery",
                                                "granted": True}]})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "notice_changed"
    r = world.client.put("/api/v1/me/consents", headers=h, json={
        "notice_version": got["notice_version"],
        "items": [{"kind": "purpose", "target": "delivery", "granted": True}]})
    assert r.status_code == 200 and len(r.json()["receipts"][0]["receipt"]) == 64
    staff = world.as_("front_desk")
    assert world.client.get(f"/api/v1/persons/{world.alice}", params={"purpose": "delivery"},
                            headers=staff).status_code == 200
    # withdrawal: one action, effective on the next read
    r = world.client.put("/api/v1/me/consents", headers=h, json={
        "notice_version": got["notice_version"],
        "items": [{"kind": "purpose", "target": "delivery", "granted": False}]})
    assert r.status_code == 200
    again = world.client.get(f"/api/v1/persons/{world.alice}", params={"purpose": "delivery"},
                             headers=staff)
    assert again.status_code == 403 and again.json()["detail"]["code"] == "no_consent"


def test_consents_idor(world):
    h = {"Authorization": f"Bearer {owner_token(world, ALICE_PHONE)}"}
    r = world.client.put("/api/v1/me/consents", headers=h, json={
        "notice_version": "2026-11", "items": [{"kind": "purpose", "target": "delivery",
                                                "granted": True, "person_id": world.bob}]})
    assert r.status_code == 404
    assert world.bob not in world.client.get("/api/v1/me/consents", headers=h).text


def test_flag_an_access_as_suspicious_files_an_inquiry(world):
    world.client.get(f"/api/v1/persons/{world.alice}", headers=world.as_("steward"))
    h = {"Authorization": f"Bearer {owner_token(world, ALICE_PHONE)}"}
    entry = next(e for e in world.client.get("/api/v1/me/access-log", headers=h)
                 .json()["entries"] if e["action"] == "read")
    text = "我没有报修，为什么管家查看了我的信息？我的电话13811112222最近接到很多装修推销电话。"
    r = world.client.post("/api/v1/me/inquiries", headers=h, json={
        "kind": "suspicious_access", "text": text, "audit_entry": entry["entry"]})
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["status"] == "open" and got["number"].startswith("IQ-")

    from ownerguard.domain.deadlines import add_working_days

    assert got["due"] == add_working_days(clock.today()).due.isoformat()
    assert [i["number"] for i in world.client.get("/api/v1/me/inquiries", headers=h)
            .json()["inquiries"]] == [got["number"]]
    # the letter is sealed free text: no clear phone in the database rows
    from sqlalchemy import select

    from ownerguard.store.tables import notes

    with world.rt.uow(read_only=True) as uow:
        row = uow.conn.execute(select(notes).where(notes.c.kind == "inquiry")).one()
    assert b"13811112222" not in row.text_ct and "phone" in row.findings


def test_inquiry_cannot_flag_someone_elses_access(world):
    world.client.get(f"/api/v1/persons/{world.bob}", headers=world.as_("dpo"))
    bob_h = {"Authorization": f"Bearer {owner_token(world, BOB_PHONE)}"}
    bob_entry = world.client.get("/api/v1/me/access-log", headers=bob_h).json()["entries"][0]
    alice_h = {"Authorization": f"Bearer {owner_token(world, ALICE_PHONE)}"}
    r = world.client.post("/api/v1/me/inquiries", headers=alice_h, json={
        "kind": "suspicious_access", "text": "这条记录是怎么回事", "audit_entry": bob_entry["entry"]})
    assert r.status_code == 404
    r = world.client.post("/api/v1/me/inquiries", headers=alice_h, json={
        "kind": "suspicious_access", "text": "x", "person_id": world.bob})
    assert r.status_code == 404
