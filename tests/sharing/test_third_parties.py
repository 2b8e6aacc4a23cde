"""Third-party sharing end to end: registry, agreement and impact assessment gates, separate
consent per recipient, traced packages (aliases, canaries), provision records in the owner
portal, revocation and expiry, leak attribution from a delivered package, and incidents with
breach notices (third-party sharing issue; L5, L10, L19–L21, L24)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from ownerguard import clock
from ownerguard.adapters.contact.sms import list_outbox
from ownerguard.cli.main import app
from ownerguard.domain.consent import NOTICE_VERSION
from ownerguard.services.sharing import shares as shares_svc
from ownerguard.store.tables import persons, share_canaries, share_members, shares
from support.helpers import person_row, store_rows
from support.owner_world import ALICE_PHONE, BOB_PHONE, owner_token, world  # noqa: F401

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
DOC = hashlib.sha256(b"signed agreement").hexdigest()


def _dpo(world):
    return world.as_("dpo")


def _partner(world, *, name="顺丰驿站", kind="courier", relationship="provision",
             purposes=("delivery",), fields=("name", "rooms", "phone"), assess=True,
             expires: date | None = None) -> str:
    r = world.client.post("/api/v1/partners", headers=_dpo(world), json={
        "name": name, "kind": kind, "relationship": relationship,
        "contact": {"person": "联系人", "phone": "13700001111"}})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    today = clock.today()
    r = world.client.post(f"/api/v1/partners/{pid}/agreements", headers=_dpo(world), json={
        "purposes": list(purposes), "fields": list(fields), "retention_days": 30,
        "deletion_duty": "到期后7日内删除并出具书面确认", "signed_on": (today - timedelta(days=10))
        .isoformat(), "expires_on": (expires or today + timedelta(days=365)).isoformat(),
        "document_sha256": DOC})
    assert r.status_code == 201, r.text
    if assess:
        for purpose in purposes:
            r = world.client.post(f"/api/v1/partners/{pid}/assessments", headers=_dpo(world),
                                  json={"purpose": purpose, "fields": list(fields),
                                        "necessity": "代收快递需核对收件人",
                                        "risks": "名单被转卖", "safeguards": "隐私号、哨兵、到期删除",
                                        "acceptable": True})
            assert r.status_code == 201, r.text
    return pid


def _request(world, pid, *, purpose="delivery", fields=("name", "rooms", "phone"),
             clear=("name", "rooms"), who="manager"):
    return world.client.post("/api/v1/shares", headers=world.as_(who), json={
        "partner_id": pid, "purpose": purpose, "fields": list(fields),
        "clear_fields": list(clear), "community_id": world.community_id})


def _consent(world, phone, pid, granted=True, purpose="delivery"):
    h = {"Authorization": f"Bearer {owner_token(world, phone)}"}
    r = world.client.put("/api/v1/me/consents", headers=h, json={
        "notice_version": NOTICE_VERSION, "items": [
            {"kind": "recipient", "target": f"{pid}:{purpose}", "granted": granted}]})
    assert r.status_code == 200, r.text
    return h


def _approved(world, pid, **kw) -> dict:
    r = _request(world, pid, **kw)
    assert r.status_code == 201, r.text
    r = world.client.post(f"/api/v1/shares/{r.json()['id']}/decision", headers=_dpo(world),
                          json={"approve": True})
    assert r.status_code == 200, r.text
    return r.json()


def _csv_rows(world, share_id, who="manager") -> list[list[str]]:
    r = world.client.get(f"/api/v1/shares/{share_id}/download?format=csv",
                         headers=world.as_(who))
    assert r.status_code == 200, r.text
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


# -- gates before any share ------------------------------------------------------------------

def test_no_agreement_no_assessment_no_share(world):
    """L19/L20: nothing is shared without a live agreement and an acceptable assessment."""
    r = world.client.post("/api/v1/partners", headers=_dpo(world), json={
        "name": "某装修公司", "kind": "decoration", "relationship": "provision"})
    pid = r.json()["id"]
    r = _request(world, pid, purpose="renovation", fields=("name", "rooms"))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "no_agreement"

    assessed_not = _partner(world, name="未评估驿站", assess=False)
    r = _request(world, assessed_not)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "no_assessment"
    assert "影响评估" in r.json()["detail"]["reason"]


def test_expired_agreement_blocks_sharing(world):
    pid = _partner(world, name="过期驿站", expires=clock.today() - timedelta(days=1))
    r = _request(world, pid)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "agreement_expired"


def test_fields_outside_the_agreement_or_the_purpose_are_refused(world):
    pid = _partner(world, fields=("name", "rooms"))
    r = _request(world, pid, fields=("name", "rooms", "phone"), clear=())
    assert r.json()["detail"]["code"] == "fields_not_in_agreement"
    r = _request(world, pid, fields=("name", "id_number"), clear=())
    assert r.json()["detail"]["code"] == "field_not_needed"        # L2: parcels need no ID
    r = world.client.post("/api/v1/partners", headers=_dpo(world), json={
        "name": "营销公司", "kind": "agency", "relationship": "provision"})
    r = world.client.post(f"/api/v1/partners/{r.json()['id']}/agreements", headers=_dpo(world),
                          json={"purposes": ["marketing"], "fields": ["name"],
                                "retention_days": 30, "deletion_duty": "删除",
                                "signed_on": "2026-01-01", "expires_on": "2027-01-01",
                                "document_sha256": DOC})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "no_legal_basis"   # L24


def test_a_manager_shares_only_within_scope(world):
    pid = _partner(world)
    for community in (None, "00000000-0000-4000-8000-000000000000"):
        r = world.client.post("/api/v1/shares", headers=world.as_("manager"), json={
            "partner_id": pid, "purpose": "delivery", "fields": ["name", "rooms"],
            "community_id": community})
        assert r.status_code == 403 and r.json()["detail"]["code"] == "share_out_of_scope"


def test_only_the_dpo_runs_the_registry_and_four_eyes_approve(world):
    r = world.client.post("/api/v1/partners", headers=world.as_("manager"), json={
        "name": "x", "kind": "courier", "relationship": "provision"})
    assert r.status_code == 403
    pid = _partner(world)
    _consent(world, ALICE_PHONE, pid)
    sid = _request(world, pid, who="dpo").json()["id"]
    r = world.client.post(f"/api/v1/shares/{sid}/decision", headers=_dpo(world),
                          json={"approve": True})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "share_four_eyes"
    r = world.client.post(f"/api/v1/shares/{sid}/decision", headers=world.as_("dpo2"),
                          json={"approve": False})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "rejection_reason_required"


# -- separate consent, packages, provision records -------------------------------------------

def test_provision_needs_separate_consent_and_withdrawal_excludes(world):
    """L5: only owners who consented to this recipient are in the package; a withdrawal
    drops them from every later delivery (L4)."""
    pid = _partner(world)
    alice = _consent(world, ALICE_PHONE, pid)
    # The recipient is offered in the portal as its own consent item.
    items = world.client.get("/api/v1/me/consents", headers=alice).json()["persons"][0]["items"]
    assert any(i["kind"] == "recipient" and "顺丰驿站" in i["label"] for i in items)
    share = _approved(world, pid)
    assert share["persons"] == 1
    rows = _csv_rows(world, share["id"])
    banner, header, body = rows[0], rows[1], rows[2:]
    assert share["number"] in banner[0] and "顺丰驿站" in banner[0]
    assert header == ["姓名", "房屋", "手机号"]
    text = json.dumps(rows, ensure_ascii=False)
    assert "爱丽丝" in text and "鲍勃" not in text
    assert ALICE_PHONE not in text and BOB_PHONE not in text      # phones go as aliases only
    with world.rt.uow() as uow:
        n_canaries = uow.conn.execute(select(func.count()).select_from(share_canaries)).scalar()
    assert n_canaries >= 2 and len(body) == 1 + n_canaries

    _consent(world, ALICE_PHONE, pid, granted=False)
    again = _csv_rows(world, share["id"])
    assert "爱丽丝" not in json.dumps(again, ensure_ascii=False)
    r = _request(world, pid)
    r = world.client.post(f"/api/v1/shares/{r.json()['id']}/decision", headers=_dpo(world),
                          json={"approve": True})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "nobody_eligible"


def test_owner_sees_provision_and_canaries_stay_invisible(world):
    """L10/L11: the owner sees "provided to X for Y on date"; canaries never appear in
    persons, staff lists, owner views or counts."""
    pid = _partner(world)
    alice = _consent(world, ALICE_PHONE, pid)
    with world.rt.uow() as uow:
        before = uow.conn.execute(select(func.count()).select_from(persons)).scalar()
    share = _approved(world, pid)
    rows = _csv_rows(world, share["id"])
    provisions = world.client.get("/api/v1/me/provisions", headers=alice).json()["provisions"]
    assert provisions[0]["recipient"] == "顺丰驿站" and provisions[0]["purpose"] == "delivery"
    assert provisions[0]["share"] == share["number"]
    feed = world.client.get("/api/v1/me/access-log", headers=alice).json()["entries"]
    assert any(e["action"] == "provide" and e["role"] == "partner" for e in feed)
    with world.rt.uow() as uow:
        after = uow.conn.execute(select(func.count()).select_from(persons)).scalar()
        canary_names = {r[0] for r in rows[2:]} - {"爱丽丝"}
    assert before == after and share["persons"] == 1
    listing = world.client.get("/api/v1/persons?size=100", headers=world.as_("manager"))
    me = world.client.get("/api/v1/me", headers=alice).text
    for name in canary_names:
        assert name not in listing.text and name not in me


def test_partner_key_revocation_and_deletion_confirmation(world):
    """Revocation: the key stops working, aliases are unbound, the deletion is recorded."""
    pid = _partner(world)
    _consent(world, ALICE_PHONE, pid)
    share = _approved(world, pid)
    key = world.client.post(f"/api/v1/shares/{share['id']}/api-key",
                            headers=_dpo(world)).json()["partner_key"]
    got = world.client.get("/api/v1/partner/package", headers={"X-Partner-Key": key})
    assert got.status_code == 200 and got.json()["share"] == share["number"]
    assert any(r["name"] == "爱丽丝" for r in got.json()["rows"])
    r = world.client.post(f"/api/v1/shares/{share['id']}/deletion", headers=_dpo(world),
                          json={"text": "删除确认函"})
    assert r.status_code == 409                                  # not ended yet
    r = world.client.post(f"/api/v1/shares/{share['id']}/revoke", headers=_dpo(world),
                          json={"text": "对方违规转发"})
    assert r.json()["status"] == "revoked"
    assert world.client.get("/api/v1/partner/package",
                            headers={"X-Partner-Key": key}).status_code == 401
    with world.rt.uow() as uow:
        unbound = uow.conn.execute(select(share_members.c.unbound_at)).scalars().all()
    assert unbound and all(unbound)
    r = world.client.post(f"/api/v1/shares/{share['id']}/deletion", headers=_dpo(world),
                          json={"text": "收到对方盖章的删除确认函 2026-12-01"})
    assert r.status_code == 200 and r.json()["deletion_confirmed"]


def test_expiry_ends_a_share(world):
    pid = _partner(world)
    _consent(world, ALICE_PHONE, pid)
    share = _approved(world, pid)
    from ownerguard import clock

    with world.rt.uow() as uow:
        uow.conn.execute(update(shares).where(shares.c.id == share["id"]).values(
            expires_at=clock.now() - timedelta(minutes=1)))
        assert shares_svc.sweep(world.rt, uow) == 1
        uow.commit()
    r = world.client.get(f"/api/v1/shares/{share['id']}/download?format=csv",
                         headers=world.as_("manager"))
    assert r.status_code == 409


# -- attribution from a real delivered package -----------------------------------------------

@pytest.fixture
def estate(world):
    """40 more households in building 1, and a parking vendor under entrusted processing
    (contract basis: no consent needed, L19)."""
    rnd = random.Random(7)
    names = set()
    while len(names) < 40:
        names.add(rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN))
    store_rows(world.rt, [person_row(10 + i, name=n, phone=f"1390000{i:04d}", id_number=None,
                                     number=f"{3 + i // 4}0{1 + i % 4}")
                          for i, n in enumerate(sorted(names))])
    return world


def _parking(world, name):
    return _partner(world, name=name, kind="iot_vendor", relationship="entrusted",
                    purposes=("parking",), fields=("name", "rooms", "phone"))


def test_leaked_package_is_traced_to_its_source(estate, tmp_path):
    world = estate
    shares_made = {}
    for name in ("停车系统甲", "停车系统乙", "停车系统丙"):
        pid = _parking(world, name)
        shares_made[name] = _approved(world, pid, purpose="parking")
    assert all(s["persons"] >= 40 for s in shares_made.values())
    leaked = _csv_rows(world, shares_made["停车系统乙"]["id"])
    runner = CliRunner()

    def trace(rows) -> list[dict]:
        path = tmp_path / f"leak{len(rows)}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
        out = runner.invoke(app, ["leak", "trace", str(path), "--json"])
        assert out.exit_code == 0, out.output
        return json.loads(out.stdout)["suspects"]

    whole = trace(leaked)
    assert whole[0]["partner"] == "停车系统乙" and whole[0]["share_id"] == \
        shares_made["停车系统乙"]["id"]
    body = leaked[2:]
    random.Random(1).shuffle(body)
    excerpt = [[name, room] for name, room, _phone in body[:10]]       # no phone column
    assert trace(excerpt)[0]["partner"] == "停车系统乙"
    retyped = [[p.replace(" ", "").replace("-", ""), n] for n, _r, p in body[:10]]
    assert trace(retyped)[0]["partner"] == "停车系统乙"
    evidence = json.dumps(whole, ensure_ascii=False)
    assert not any(name in evidence for name, _r, _p in body)          # no values in evidence


def test_alias_lookup_names_the_package(estate):
    world = estate
    pid = _parking(world, "停车系统丁")
    share = _approved(world, pid, purpose="parking")
    phone = _csv_rows(world, share["id"])[2][2]
    r = world.client.post("/api/v1/leaks/alias", headers=_dpo(world), json={"phone": phone})
    assert r.json()["found"] and r.json()["share"] == share["number"]
    assert r.json()["partner"] == "停车系统丁"


# -- incidents and breach notices ------------------------------------------------------------

def test_incident_from_a_leaked_share_notifies_owners_and_reports(world):
    """L21: affected owners get a portal notice and an SMS with the PIPL 57 items; the
    regulator report is a PDF; the incident closes only when remediation is done."""
    pid = _partner(world)
    alice = _consent(world, ALICE_PHONE, pid)
    share = _approved(world, pid)
    _csv_rows(world, share["id"])                                  # delivered
    r = world.client.post("/api/v1/incidents", headers=_dpo(world), json={
        "source": "attribution", "share_id": share["id"],
        "description": "溯源确认顺丰驿站名单外泄"})
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["affected_persons"] == 1 and set(inc["affected_fields"]) == {"name", "rooms",
                                                                              "phone"}
    r = world.client.post(f"/api/v1/incidents/{inc['id']}/notify", headers=_dpo(world))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "not_assessed"
    r = world.client.post(f"/api/v1/incidents/{inc['id']}/assessment", headers=_dpo(world),
                          json={"cause": "合作方员工私自转发名单", "harm": "可能接到推销电话",
                                "measures": "已撤销共享、停用隐私号", "advice": "警惕自称物业的来电",
                                "contact": "个人信息保护负责人 400-000-0000"})
    assert r.status_code == 200, r.text
    before = len(list_outbox(world.rt.settings.home / "outbox"))
    r = world.client.post(f"/api/v1/incidents/{inc['id']}/notify", headers=_dpo(world))
    assert r.json() == {"notified": 1, "sms": 1}
    sms = list_outbox(world.rt.settings.home / "outbox")[before:]
    assert len(sms) == 1 and inc["number"] in sms[0]["text"]
    notices = world.client.get("/api/v1/me/notices", headers=alice).json()["notices"]
    assert notices[0]["number"] == inc["number"] and notices[0]["cause"]
    assert "手机号" in notices[0]["data"]
    # The same notice, and the provision, on the portal's access page (L10, L21).
    from support.owner_world import sign_in

    page = sign_in(world, ALICE_PHONE).get("/owner/access").text
    for expected in (inc["number"], "合作方员工私自转发名单", "已向“顺丰驿站”提供", share["number"]):
        assert expected in page, expected
    pdf = world.client.get(f"/api/v1/incidents/{inc['id']}/report", headers=_dpo(world))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    aid = world.client.post(f"/api/v1/incidents/{inc['id']}/actions", headers=_dpo(world),
                            json={"text": "与合作方重新培训并签署补充协议"}).json()["id"]
    r = world.client.post(f"/api/v1/incidents/{inc['id']}/close", headers=_dpo(world),
                          json={"text": "已处置"})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "actions_open"
    world.client.post(f"/api/v1/incidents/{inc['id']}/actions/{aid}/done", headers=_dpo(world))
    r = world.client.post(f"/api/v1/incidents/{inc['id']}/close", headers=_dpo(world),
                          json={"text": "已处置完毕"})
    assert r.json()["status"] == "closed"
