"""Owners' rights requests (L11–L17): access, copy and portability files; corrections through
staff review; deletion by crypto-shredding or, under a retention duty, restriction; guardians
and heirs; refusals with code and written reason; working-day deadlines, reminders and
escalation; IDOR."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from ownerguard import clock
from ownerguard.domain.model import ResidencyRole
from ownerguard.domain.rights import REFUSAL_REASONS
from ownerguard.services.owners import rights as svc
from ownerguard.services.owners.auth import OwnerSession
from ownerguard.services.registry import persons as persons_svc
from ownerguard.store.tables import (
    alerts,
    audit_log,
    blind_index,
    persons,
    rights_requests,
)
from ownerguard.vault.policy import Outcome
from support.helpers import ctx, person_row, store_rows
from support.owner_world import ALICE_PHONE, BOB_PHONE, owner_token
from support.staff_world import build_world

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

CHILD_ID = "110105201506010016"      # born 2015: a minor
ADULT_ID = "110105198006010015"


@pytest.fixture
def world(rt, monkeypatch):
    w = build_world(rt)
    # Alice's household: a child and an adult son, both family members of her room.
    store_rows(rt, [
        person_row(4, name="小爱", phone=None, id_number=CHILD_ID, role=ResidencyRole.FAMILY),
        person_row(5, name="大壮", phone=None, id_number=ADULT_ID, role=ResidencyRole.FAMILY),
        # A late owner in building 2, whose heir is Bob.
        person_row(6, name="王老先生", phone="13600006666", id_number=None, building="2栋",
                   number="202"),
    ])
    with rt.uow(read_only=True) as uow:
        w.child, w.adult = (_person_by_name(rt, uow, w, n) for n in ("小爱", "大壮"))
        w.late = _person_by_name(rt, uow, w, "王老先生")
    return w


def _person_by_name(rt, uow, w, name):
    digest = rt.keys.indexer(uow.conn, w.company_id).digest("name", name)
    return uow.conn.execute(select(blind_index.c.person_id).where(
        blind_index.c.kind == "name", blind_index.c.digest == digest)).scalar_one()


def _h(world, phone):
    return {"Authorization": f"Bearer {owner_token(world, phone)}"}


def _file(world, h, **body):
    r = world.client.post("/api/v1/me/requests", headers=h, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _session(world, person):
    return OwnerSession("t", "f" * 64, ((world.company_id, person),))


def _search(world, kind, value):
    with world.rt.uow() as uow:
        ids = persons_svc.search(world.rt, uow, ctx(world.company_id),
                                 persons_svc.SearchTerm(kind, value))
        uow.commit()
    return ids


def test_copy_json_and_xlsx_hold_my_data_only_and_are_audited(world):
    """L11: access and copy are answered at once; the file holds A's values, never B's."""
    alice = _h(world, ALICE_PHONE)
    got = _file(world, alice, kind="copy")
    assert got["status"] == "done" and got["outcome"] == "fulfilled"
    assert got["number"].startswith("RQ-")
    url = f"/api/v1/me/requests/{got['id']}/download"
    r = world.client.get(url, headers=alice, params={"format": "json"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    doc = r.json()
    values = {f["field"]: f["value"] for f in doc["fields"]}
    assert values["name"] == "爱丽丝" and values["phone"] == [ALICE_PHONE]
    assert values["plate"] == ["京A12345"] and values["id_number"] == "11010519491231002X"
    assert doc["residencies"][0]["room"] == "1栋1单元101" and doc["residencies"][0]["role"]
    assert "鲍勃" not in r.text and BOB_PHONE not in r.text and world.bob not in r.text
    x = world.client.get(url, headers=alice, params={"format": "xlsx"})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    wb = load_workbook(io.BytesIO(x.content))
    cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert "爱丽丝" in cells and ALICE_PHONE in cells and "鲍勃" not in cells
    assert not any(BOB_PHONE in c for c in cells)
    with world.rt.uow(read_only=True) as uow:
        copies = uow.conn.execute(select(audit_log).where(
            audit_log.c.action == "self_copy", audit_log.c.subject == world.alice)).all()
        filed = uow.conn.execute(select(audit_log).where(
            audit_log.c.action.in_(("rights_file", "rights_decide")),
            audit_log.c.work_item == got["number"])).all()
    assert len({c.seq for c in copies if c.outcome == "clear"}) >= 2     # both downloads
    assert {e.action for e in filed} == {"rights_file", "rights_decide"}


def test_portability_json_is_machine_readable(world):
    """L12: a structured export with a schema version, field names, purposes and basis."""
    alice = _h(world, ALICE_PHONE)
    got = _file(world, alice, kind="portability")
    doc = json.loads(world.client.get(f"/api/v1/me/requests/{got['id']}/download",
                                      headers=alice).content)
    assert doc["schema"] == svc.SCHEMA and doc["kind"] == "portability"
    phone = next(f for f in doc["fields"] if f["field"] == "phone")
    assert {"purpose", "legal_basis", "label"} <= set(phone["purposes"][0])
    assert any(p["purpose"] == "billing" and p["legal_basis"] == "contract"
               for p in phone["purposes"])
    assert isinstance(doc["consents"], list) and doc["controller"]


def test_explanation_is_generated_from_the_rules(world):
    """L15: the processing rules, from purposes, the catalogue and the policy matrix."""
    alice = _h(world, ALICE_PHONE)
    got = _file(world, alice, kind="explanation")
    d = world.client.get(f"/api/v1/me/requests/{got['id']}", headers=alice).json()
    assert d["status"] == "done" and "物业收费" in d["explanation"]["text"]
    billing = next(p for p in d["explanation"]["purposes"] if p["purpose"] == "billing")
    assert "id_number" not in [f["field"] for f in billing["fields"]]          # L2
    assert any("财务" in role for f in billing["fields"] for role in f["roles"])


def test_idor_other_owner_and_out_of_scope_staff(world):
    """L11: owner B can neither file for, list, read nor download A's request; a manager
    outside the subject's buildings cannot decide it."""
    alice, bob = _h(world, ALICE_PHONE), _h(world, BOB_PHONE)
    got = _file(world, alice, kind="copy")
    base = f"/api/v1/me/requests/{got['id']}"
    assert world.client.get(base, headers=bob).status_code == 404
    assert world.client.get(base + "/download", headers=bob).status_code == 404
    assert got["id"] not in world.client.get("/api/v1/me/requests", headers=bob).text
    for body in ({"kind": "copy", "person_id": world.alice},
                 {"kind": "copy", "person_id": world.child, "on_behalf": "guardian"}):
        r = world.client.post("/api/v1/me/requests", headers=bob, json=body)
        assert r.status_code == 404 and "爱丽丝" not in r.text
    # staff tokens open no owner endpoint, and owners no staff endpoint
    assert world.client.get(base, headers=world.as_("dpo")).status_code == 401
    assert world.client.get("/api/v1/requests", headers=bob).status_code == 401
    # the manager's scope is building 1: Bob (building 2) is outside it
    bobs = _file(world, bob, kind="deletion")
    r = world.client.post(f"/api/v1/requests/{bobs['id']}/decision",
                          headers=world.as_("manager"), json={"approve": True})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "rights_out_of_scope"
    r = world.client.post(f"/api/v1/requests/{bobs['id']}/decision",
                          headers=world.as_("steward"), json={"approve": True})
    assert r.status_code == 403
    with world.rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(persons.c.state).where(
            persons.c.id == world.bob)).scalar_one() == "active"


def test_correction_approved_changes_value_and_blind_index(world):
    """L13: an approved correction re-seals the value and replaces its digests: the new phone
    finds the owner (and signs them in), the old one finds nobody. Audit names fields only."""
    new = "13700001111"
    alice = _h(world, ALICE_PHONE)
    r = world.client.post("/api/v1/me/requests", headers=alice, json={
        "kind": "correction", "corrections": {"phone": "137-0000-11"}, "text": "号码换了"})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_value"
    assert "137" not in r.json()["detail"]["reason"] and "手机号" in r.json()["detail"]["reason"]
    r = world.client.post("/api/v1/me/requests", headers=alice, json={
        "kind": "correction", "corrections": {"id_number": ADULT_ID}})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "not_editable"
    got = _file(world, alice, kind="correction", corrections={"phone": new}, text="号码换了")
    assert got["status"] == "open"
    queue = world.client.get("/api/v1/requests", headers=world.as_("dpo")).json()["requests"]
    assert [q["number"] for q in queue] == [got["number"]]
    assert ALICE_PHONE not in json.dumps(queue) and new not in json.dumps(queue)
    seen = world.client.get(f"/api/v1/requests/{got['id']}", headers=world.as_("dpo")).json()
    assert seen["corrections"] == {"phone": new}
    masked = world.client.get(f"/api/v1/requests/{got['id']}",
                              headers=world.as_("manager")).json()
    assert masked["corrections"]["phone"] != new
    r = world.client.post(f"/api/v1/requests/{got['id']}/decision", headers=world.as_("dpo"),
                          json={"approve": True})
    assert r.status_code == 200 and r.json()["outcome"] == "corrected"
    assert _search(world, "phone", new) == [world.alice]
    assert _search(world, "phone", ALICE_PHONE) == []
    me = world.client.get("/api/v1/me", headers=_h(world, new)).json()
    assert me["persons"][0]["fields"]["phone"] == [new]
    with world.rt.uow(read_only=True) as uow:
        entry = uow.conn.execute(select(audit_log).where(audit_log.c.action == "correct")).one()
        row = uow.conn.execute(select(rights_requests).where(
            rights_requests.c.id == got["id"])).one()
        everything = " ".join(str(v) for r in uow.conn.execute(select(audit_log)) for v in r)
    assert entry.fields == "phone" and entry.subject == world.alice
    assert new not in everything and row.payload_ct is None      # wiped once decided
    r = world.client.post(f"/api/v1/requests/{got['id']}/decision", headers=world.as_("dpo"),
                          json={"approve": True})
    assert r.status_code == 409


def test_name_correction_replaces_the_import_key(world):
    """L13: a person without an ID number is recognised by phone + name; a new name gets a new
    key, read through the gate for the phone it pairs with."""
    got = None
    with world.rt.uow() as uow:
        got = svc.file(world.rt, uow, _session(world, world.bob), kind="correction",
                       corrections={"name": " 鲍伯 "})
        uow.commit()
    with world.rt.uow() as uow:
        dpo = ctx(world.company_id, role="dpo", purpose="rights_request", actor="dpo")
        svc.decide(world.rt, uow, dpo, got.id, approve=True)
        uow.commit()
    assert _search(world, "name", "鲍伯") == [world.bob] and _search(world, "name", "鲍勃") == []
    with world.rt.uow(read_only=True) as uow:
        idx = world.rt.keys.indexer(uow.conn, world.company_id)
        keys = {r.digest for r in uow.conn.execute(select(blind_index).where(
            blind_index.c.person_id == world.bob, blind_index.c.kind == "phone_name"))}
    assert keys == {idx.digest("phone_name", BOB_PHONE + "\x1f" + "鲍伯")}


def test_refusal_needs_code_and_reason_and_reaches_the_owner(world):
    """L17: a refusal names a code and a written reason; the owner sees both."""
    alice = _h(world, ALICE_PHONE)
    got = _file(world, alice, kind="correction", corrections={"name": "爱丽丝·王"})
    url = f"/api/v1/requests/{got['id']}/decision"
    r = world.client.post(url, headers=world.as_("dpo"),
                          json={"approve": False, "outcome": "correction_not_supported_by_evidence"})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "refusal_reason_required"
    r = world.client.post(url, headers=world.as_("dpo"),
                          json={"approve": False, "reason": "没有证明材料"})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "refusal_code_required"
    reason = "户籍证明上的姓名与申请不一致，请携带户口本到物业服务中心办理"
    r = world.client.post(url, headers=world.as_("dpo"), json={
        "approve": False, "outcome": "correction_not_supported_by_evidence", "reason": reason})
    assert r.status_code == 200 and r.json()["status"] == "refused"
    d = world.client.get(f"/api/v1/me/requests/{got['id']}", headers=alice).json()
    assert d["refusal"]["code"] == "correction_not_supported_by_evidence"
    assert d["refusal"]["text"] == REFUSAL_REASONS["correction_not_supported_by_evidence"][0]
    assert d["refusal"]["reason"] == reason
    assert _search(world, "name", "爱丽丝") == [world.alice]       # nothing changed


def test_deletion_crypto_shreds(world):
    """L14: deletion without a retention duty crypto-shreds; the values are unreadable."""
    bob = _h(world, BOB_PHONE)
    got = _file(world, bob, kind="deletion", text="我已搬走，请删除我的信息")
    r = world.client.post(f"/api/v1/requests/{got['id']}/decision", headers=world.as_("dpo"),
                          json={"approve": True})
    assert r.status_code == 200 and r.json()["outcome"] == "deleted"
    with world.rt.uow() as uow:
        view = world.rt.gate.read(uow, ctx(world.company_id), [world.bob], ["name", "phone"],
                                  reveal=["name", "phone"])[0]
        uow.commit()
    assert {s.reason for s in view.fields.values()} == {"shredded"}
    assert all(s.value is None for s in view.fields.values())
    assert _search(world, "phone", BOB_PHONE) == []


def test_deletion_under_retention_duty_restricts(world):
    """L14: where the record must be kept (a live work order for the room), deletion becomes
    restriction: staff are denied ("restricted"), the owner still sees their own data, and a
    lawful authority request still reaches it."""
    world.work_item("technician")
    alice = _h(world, ALICE_PHONE)
    got = _file(world, alice, kind="deletion")
    r = world.client.post(f"/api/v1/requests/{got['id']}/decision",
                          headers=world.as_("manager"), json={"approve": True})
    assert r.status_code == 200 and r.json()["outcome"] == "restricted"
    d = world.client.get(f"/api/v1/me/requests/{got['id']}", headers=alice).json()
    assert "工单" in d["reason"]                                  # why it was not deleted
    r = world.client.get(f"/api/v1/persons/{world.alice}", headers=world.as_("steward"))
    assert r.status_code == 403 and r.json()["detail"]["code"] == "restricted"
    me = world.client.get("/api/v1/me", headers=alice).json()
    assert me["persons"][0]["fields"]["name"] == "爱丽丝"
    with world.rt.uow() as uow:
        legal = world.rt.gate.read(uow, ctx(world.company_id, role="dpo",
                                            purpose="legal_request"), [world.alice], ["name"],
                                   reveal=["name"])[0]
        uow.commit()
    assert legal.fields["name"].outcome is Outcome.CLEAR


def test_restriction_request(world):
    """L14: restriction on its own."""
    alice = _h(world, ALICE_PHONE)
    got = _file(world, alice, kind="restriction")
    world.client.post(f"/api/v1/requests/{got['id']}/decision", headers=world.as_("dpo"),
                      json={"approve": True})
    with world.rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(persons.c.state).where(
            persons.c.id == world.alice)).scalar_one() == "restricted"


def test_guardian_for_a_minor_not_an_adult(world):
    """L16 / PIPL 31: a guardian files for a minor household member, not for an adult."""
    alice = _h(world, ALICE_PHONE)
    got = _file(world, alice, kind="copy", on_behalf="guardian", person_id=world.child)
    assert got["status"] == "done"
    doc = world.client.get(f"/api/v1/me/requests/{got['id']}/download", headers=alice).json()
    assert doc["subject"]["is_minor"] and any(f["value"] == "小爱" for f in doc["fields"])
    r = world.client.post("/api/v1/me/requests", headers=alice, json={
        "kind": "copy", "on_behalf": "guardian", "person_id": world.adult})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "not_a_minor"


def test_heir_request_linked_by_dpo(world):
    """L16: an heir names the deceased in words; the DPO verifies and links the record."""
    bob = _h(world, BOB_PHONE)
    got = _file(world, bob, kind="copy", on_behalf="heir",
                heir={"name": "王老先生", "room": "2栋202", "relationship": "女婿"})
    assert got["status"] == "open"
    seen = world.client.get(f"/api/v1/requests/{got['id']}", headers=world.as_("dpo")).json()
    assert seen["heir"]["relationship"] == "女婿"
    url = f"/api/v1/requests/{got['id']}/verify-heir"
    assert world.client.post(url, headers=world.as_("manager"),
                             json={"person_id": world.late}).status_code == 403
    r = world.client.post(url, headers=world.as_("dpo"), json={"person_id": world.late})
    assert r.status_code == 200 and r.json()["status"] == "done"
    doc = world.client.get(f"/api/v1/me/requests/{got['id']}/download", headers=bob).json()
    assert any(f["value"] == "王老先生" for f in doc["fields"])
    assert doc["subject"]["on_behalf"] == "heir"


def test_deadline_counts_working_days_across_national_day(world, monkeypatch):
    """L17: filed 2026-09-30, the eve of 国庆; 10-01…10-07 are off and Saturday 10-10 is
    worked, so the 15th working day is 10-27."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    with world.rt.uow() as uow:
        got = svc.file(world.rt, uow, _session(world, world.alice), kind="deletion")
        uow.commit()
    assert got.due == date(2026, 10, 27) and not got.due_estimated
    assert got.number.startswith("RQ-20260930-")
    # configurable: [rights] working_days in settings.toml
    world.rt.settings = replace(world.rt.settings, rights={"working_days": 3})
    with world.rt.uow() as uow:
        got = svc.file(world.rt, uow, _session(world, world.alice), kind="deletion")
        uow.commit()
    assert got.due == date(2026, 10, 10)          # 10-08, 10-09 and the worked Saturday


def test_sweep_reminds_then_escalates_once(world, monkeypatch):
    """L17: a reminder one working day before the deadline, escalation after it, each once."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    with world.rt.uow() as uow:
        svc.file(world.rt, uow, _session(world, world.alice), kind="deletion")
        uow.commit()

    def sweep(day):
        with world.rt.uow() as uow:
            out = svc.sweep(world.rt, uow, day)
            uow.commit()
        return out

    assert sweep(date(2026, 10, 23)) == {"reminded": 0, "overdue": 0}
    assert sweep(date(2026, 10, 26)) == {"reminded": 1, "overdue": 0}
    assert sweep(date(2026, 10, 26)) == {"reminded": 0, "overdue": 0}
    assert sweep(date(2026, 10, 27)) == {"reminded": 0, "overdue": 0}
    assert sweep(date(2026, 10, 28)) == {"reminded": 0, "overdue": 1}
    assert sweep(date(2026, 10, 29)) == {"reminded": 0, "overdue": 0}
    with world.rt.uow(read_only=True) as uow:
        kinds = sorted((a.kind, a.severity) for a in uow.conn.execute(select(alerts)))
    assert kinds == [("rights_due", "medium"), ("rights_overdue", "high")]
    queue = svc.pending
    with world.rt.uow(read_only=True) as uow:
        assert queue(uow, world.company_id, today=date(2026, 10, 28))[0]["overdue"] is True
