"""Staff access through the REST API: sign-in, purpose-bound reveal, gating, quotas, anomalies,
exports, contact without revealing (staff-access issue; L2, L8, L9, L24)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ownerguard import clock
from ownerguard.services.staff_access import anomalies
from ownerguard.store.tables import alerts, audit_log, staff, staff_sessions
from support.staff_world import build_world

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres


@pytest.fixture
def world(rt, monkeypatch):
    # Tests run at any hour; only the off-hours test narrows the working day.
    return build_world(rt)


# -- sign-in --------------------------------------------------------------------------------
def test_login_and_me(world):
    r = world.client.get("/api/v1/auth/me", headers=world.as_("steward"))
    assert r.status_code == 200 and r.json()["role"] == "steward" and r.json()["certified"]


def test_wrong_password_then_lockout(world):
    for _ in range(4):
        r = world.login("steward", password="wrong-password-1")
        assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_credentials"
    r = world.login("steward", password="wrong-password-1")
    assert r.json()["detail"]["code"] == "locked"
    # Even the right password is refused while locked.
    r = world.login("steward")
    assert r.status_code == 401 and r.json()["detail"]["code"] == "locked"
    assert "锁定" in r.json()["detail"]["reason"]
    with world.rt.uow(read_only=True) as uow:
        failed = uow.conn.execute(select(audit_log).where(
            audit_log.c.action == "login", audit_log.c.outcome == "failed")).all()
    assert len(failed) == 6


def test_otp_required_for_revealing_roles(world):
    r = world.login("technician", otp=None)
    assert r.json()["detail"]["code"] == "otp_required"
    r = world.login("technician", otp="000000")
    assert r.json()["detail"]["code"] == "otp_invalid"
    # committee members cannot reveal anything: no second factor needed
    assert world.login("committee_member", otp=None).status_code == 200


def test_unknown_usernames_are_not_recorded_in_clear(world):
    world.login("13812345678", password="whatever-1")
    from ownerguard.store.tables import login_attempts

    with world.rt.uow(read_only=True) as uow:
        attempts = uow.conn.execute(select(login_attempts.c.username)).scalars().all()
        actors = uow.conn.execute(select(audit_log.c.actor)).scalars().all()
    assert "13812345678" not in " ".join(attempts + actors)
    assert any(a.startswith("unknown:") for a in attempts)


def test_client_rate_limit(world):
    for i in range(20):
        world.login(f"nobody{i}", password="x")
    r = world.login("steward")
    assert r.status_code == 429 and r.json()["detail"]["code"] == "rate_limited"


def test_idle_session_expires(world):
    headers = world.as_("steward")
    with world.rt.uow() as uow:
        uow.conn.execute(update(staff_sessions).values(
            last_seen_at=clock.now() - timedelta(hours=1)))
        uow.commit()
    r = world.client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 401 and r.json()["detail"]["code"] == "session_expired"


def test_disabled_account(world):
    headers = world.as_("guard")
    with world.rt.uow() as uow:
        uow.conn.execute(update(staff).where(staff.c.username == "guard").values(disabled=True))
        uow.commit()
    assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert world.login("guard").json()["detail"]["code"] == "disabled"


def test_no_token(world):
    r = world.client.get("/api/v1/persons")
    assert r.status_code == 401 and r.json()["detail"]["code"] == "not_signed_in"


# -- reading --------------------------------------------------------------------------------
def test_masked_list_and_record(world):
    r = world.client.get("/api/v1/persons", headers=world.as_("steward"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["id"] for i in items] == [world.alice]          # building 2 is out of scope
    assert items[0]["fields"]["phone"]["value"] == ["138****2222"]
    r = world.client.get(f"/api/v1/persons/{world.alice}", headers=world.as_("steward"))
    assert r.json()["fields"]["id_number"]["value"] == "110105**********2X"
    assert "13811112222" not in r.text


def test_search_by_phone_and_last_four(world):
    h = world.as_("steward")
    assert [i["id"] for i in world.client.get("/api/v1/persons", params={
        "q": "138 1111 2222"}, headers=h).json()["items"]] == [world.alice]
    assert [i["id"] for i in world.client.get("/api/v1/persons", params={
        "q": "2222"}, headers=h).json()["items"]] == [world.alice]
    # bob exists, but outside the steward's building: not even confirmed
    assert world.client.get("/api/v1/persons", params={"q": "13933334444"},
                            headers=h).json()["items"] == []


def test_reveal_with_work_order(world):
    item = world.work_item("technician")
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=world.as_(
        "technician"), json={"fields": ["phone"], "purpose": "repair",
                             "work_order_id": item.number})
    assert r.status_code == 200, r.text
    assert r.json()["values"]["phone"] == ["13811112222"]
    with world.rt.uow(read_only=True) as uow:
        e = uow.conn.execute(select(audit_log).where(audit_log.c.outcome == "clear")).one()
    assert (e.actor, e.purpose, e.work_item, e.fields) == ("technician", "repair",
                                                           item.number, "phone")


@pytest.mark.parametrize("case, code", [
    ("no_work_order", "work_item_required"),
    ("closed", "work_item_closed"),
    ("someone_else", "work_item_not_assigned"),
    ("other_room", "out_of_scope"),
])
def test_reveal_refused(world, case, code):
    if case == "closed":
        item = world.work_item("technician")
        with world.rt.uow() as uow:
            from ownerguard.services.staff_access import work_items
            work_items.transition(world.rt, uow, item, "done", actor="technician")
            uow.commit()
        number = item.number
    elif case == "someone_else":
        number = world.work_item("steward").number
    else:
        number = world.work_item("technician").number if case != "no_work_order" else None
    person = world.bob if case == "other_room" else world.alice
    r = world.client.post(f"/api/v1/persons/{person}/reveal", headers=world.as_("technician"),
                          json={"fields": ["phone"], "purpose": "repair",
                                "work_order_id": number})
    assert r.status_code == 403 and r.json()["detail"]["code"] == code
    assert "1381111" not in r.text and "1393333" not in r.text


def test_untrained_staff_masked_only(world):
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=world.as_("rookie"),
                          json={"fields": ["name"], "purpose": "record_keeping"})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "not_certified"
    # and passing the quiz + signing the NDA lifts it
    h = world.as_("rookie")
    from ownerguard.domain import training

    quiz = world.client.get("/api/v1/training/quiz", headers=h).json()
    answers = {q.id: sorted(q.answer) for q in training.draw_quiz(quiz["seed"])}
    graded = world.client.post("/api/v1/training/quiz", headers=h,
                               json={"seed": quiz["seed"], "answers": answers}).json()
    assert graded["passed"]
    assert world.client.post("/api/v1/nda/sign", headers=h,
                             json={"accept": True, "name": "新员工"}).status_code == 201
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=h,
                          json={"fields": ["name"], "purpose": "record_keeping"})
    assert r.status_code == 200 and r.json()["values"]["name"] == "爱丽丝"


def test_sysadmin_never_reads(world):
    h = world.as_("sysadmin")
    r = world.client.get(f"/api/v1/persons/{world.alice}", headers=h)
    assert r.status_code == 403
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=h,
                          json={"fields": ["phone"], "purpose": "record_keeping"})
    assert r.status_code == 403
    assert world.client.get("/api/v1/persons", headers=h).json()["items"] == [] or \
        all(f["outcome"] == "denied" for i in world.client.get(
            "/api/v1/persons", headers=h).json()["items"] for f in i["fields"].values())
    r = world.client.post("/api/v1/exports", headers=h, json={
        "purpose": "record_keeping", "fields": ["name"], "community_id": world.community_id})
    assert r.status_code == 403


def test_emergency_reveal_is_flagged_for_review(world):
    h = world.as_("guard")
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=h,
                          json={"fields": ["phone"], "purpose": "emergency"})
    assert r.json()["detail"]["code"] == "emergency_reason_required"
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=h, json={
        "fields": ["phone"], "purpose": "emergency",
        "emergency_reason": "室内漏水严重，业主不在家，需立即联系"})
    assert r.status_code == 200
    dpo = world.as_("dpo")
    found = [a for a in world.client.get("/api/v1/alerts", headers=dpo).json()["alerts"]
             if a["kind"] == "break_glass"]
    assert len(found) == 1
    note = world.client.get(f"/api/v1/alerts/{found[0]['id']}/note", headers=dpo).json()
    assert "漏水" in note["note"]
    assert world.client.post(f"/api/v1/alerts/{found[0]['id']}/review", headers=dpo,
                             json={"resolution": "justified"}).status_code == 204
    with world.rt.uow(read_only=True) as uow:   # the note is stored sealed
        row = uow.conn.execute(select(alerts.c.note_ct).where(
            alerts.c.kind == "break_glass")).scalar_one()
    assert "漏水".encode() not in row


def test_quota_blocks_and_alerts(world, monkeypatch):
    from ownerguard.domain import staff as roles

    monkeypatch.setitem(roles.ROLES, "steward", roles.Role(
        "steward", "管家", "steward", "record_keeping", 2, 100))
    h = world.as_("steward")
    codes = []
    for _ in range(4):
        r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=h,
                              json={"fields": ["name"], "purpose": "record_keeping"})
        codes.append(r.status_code if r.status_code == 200 else r.json()["detail"]["code"])
    assert codes == [200, 200, "quota_exceeded", "quota_exceeded"]
    kinds = [a["kind"] for a in world.client.get("/api/v1/alerts",
                                                 headers=world.as_("dpo")).json()["alerts"]]
    assert kinds.count("quota") == 1     # deduplicated


def test_out_of_scope_attempt_alerts(world):
    r = world.client.get(f"/api/v1/persons/{world.bob}", headers=world.as_("steward"))
    assert r.status_code == 403 and r.json()["detail"]["code"] == "out_of_scope"
    kinds = [a["kind"] for a in world.client.get("/api/v1/alerts",
                                                 headers=world.as_("dpo")).json()["alerts"]]
    assert "out_of_scope" in kinds


def test_many_people_and_repeated_denials(world, monkeypatch):
    monkeypatch.setattr(anomalies, "MANY_PEOPLE", 0)
    monkeypatch.setattr(anomalies, "REPEATED_DENIALS", 2)
    h = world.as_("steward")
    world.client.get("/api/v1/persons", headers=h)
    for _ in range(2):
        world.client.get(f"/api/v1/persons/{world.bob}", headers=h)
    kinds = {a["kind"] for a in world.client.get("/api/v1/alerts",
                                                 headers=world.as_("dpo")).json()["alerts"]}
    assert {"many_people", "repeated_denials"} <= kinds


@pytest.fixture
def night(at):
    """23:30 Beijing time, outside working hours (7:00–21:00), before the world signs in."""
    at("2026-12-07T23:30:00+08:00")


def test_off_hours_reveal_alerts(night, world):
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=world.as_("steward"),
                          json={"fields": ["name"], "purpose": "record_keeping"})
    assert r.status_code == 200
    kinds = {a["kind"] for a in world.client.get("/api/v1/alerts",
                                                 headers=world.as_("dpo")).json()["alerts"]}
    assert "off_hours" in kinds


def test_audit_endpoint_dpo_only(world):
    world.client.get(f"/api/v1/persons/{world.alice}", headers=world.as_("steward"))
    assert world.client.get("/api/v1/audit", headers=world.as_("steward")).status_code == 403
    entries = world.client.get("/api/v1/audit", params={"person_id": world.alice},
                               headers=world.as_("dpo")).json()["entries"]
    assert any(e["actor"] == "steward" for e in entries)
    assert "爱丽丝" not in str(entries) and "13811112222" not in str(entries)


# -- exports ----------------------------------------------------------------------------------
def test_export_needs_another_dpo_and_is_traceable(world, tmp_path):
    steward = world.as_("steward")
    r = world.client.post("/api/v1/exports", headers=steward, json={
        "purpose": "record_keeping", "fields": ["name", "phone", "rooms"],
        "community_id": world.community_id, "building_id": world.building1})
    assert r.status_code == 201, r.text
    export_id = r.json()["id"]
    assert world.client.get(f"/api/v1/exports/{export_id}/download",
                            headers=steward).json()["detail"]["code"] == "export_not_approved"
    assert world.client.post(f"/api/v1/exports/{export_id}/approve",
                             headers=steward).status_code == 403
    r = world.client.post(f"/api/v1/exports/{export_id}/approve", headers=world.as_("dpo"))
    assert r.status_code == 200 and r.json()["status"] == "approved"
    file = world.client.get(f"/api/v1/exports/{export_id}/download", headers=steward)
    assert file.status_code == 200
    leaked = tmp_path / "leak.xlsx"
    leaked.write_bytes(file.content)
    from ownerguard.services.sharing import exports

    with world.rt.uow(read_only=True) as uow:
        hits = exports.trace(world.rt, uow, world.company_id, leaked)
    assert hits and hits[0].requester == "steward" and hits[0].approver == "dpo"


def test_dpo_cannot_approve_own_export(world):
    dpo = world.as_("dpo")
    r = world.client.post("/api/v1/exports", headers=dpo, json={
        "purpose": "rights_request", "fields": ["name"], "community_id": world.community_id})
    assert r.status_code == 201
    export_id = r.json()["id"]
    r = world.client.post(f"/api/v1/exports/{export_id}/approve", headers=dpo)
    assert r.status_code == 403 and r.json()["detail"]["code"] == "export_four_eyes"
    # A second DPO may approve it; an unknown export is 404.
    other = world.client.post(f"/api/v1/exports/{export_id}/approve", headers=world.as_("dpo2"))
    assert other.status_code == 200 and other.json()["approver"] == "dpo2"
    assert world.client.post("/api/v1/exports/no-such-export/approve",
                             headers=world.as_("dpo2")).status_code == 404


# -- contact without revealing -----------------------------------------------------------------
def test_contact_by_sms_and_alias(world):
    item = world.work_item("technician")
    h = world.as_("technician")
    r = world.client.post(f"/api/v1/persons/{world.alice}/contact", headers=h, json={
        "work_order_id": item.number, "channel": "sms"})
    assert r.status_code == 200 and "13811112222" not in r.text
    r = world.client.post(f"/api/v1/persons/{world.alice}/contact", headers=h, json={
        "work_order_id": item.number, "channel": "call"})
    alias = r.json()["alias_number"]
    assert r.status_code == 200 and alias and alias != "13811112222"
    from ownerguard.adapters.contact.sms import list_outbox

    outbox = list_outbox(world.rt.settings.home / "outbox")
    assert outbox and "13811112222" not in str(outbox)
    with world.rt.uow(read_only=True) as uow:
        used = uow.conn.execute(select(audit_log).where(audit_log.c.action == "contact")).all()
    assert len(used) == 2 and {u.outcome for u in used} == {"used"}
    # closing the work order releases the alias, and contact stops
    for step in ("done", "close"):
        assert world.client.post(f"/api/v1/work-orders/{item.number}/{step}",
                                 headers=world.as_("steward") if step == "close" else h
                                 ).status_code == 200
    r = world.client.post(f"/api/v1/persons/{world.alice}/contact", headers=h, json={
        "work_order_id": item.number, "channel": "call"})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "work_item_closed"
    from ownerguard.store.tables import contact_bindings

    with world.rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(contact_bindings.c.released_at)).scalar_one()


# -- service accounts ---------------------------------------------------------------------------
def test_service_account_key(world):
    from ownerguard.services.staff_access import accounts as staff_svc
    from ownerguard.services.staff_access.auth import create_api_key

    with world.rt.uow() as uow:
        staff_svc.add_staff(world.rt, uow, company_id=world.company_id, username="billing_sys",
                            role="finance", scope=[(world.community_id, None)], password=None,
                            actor="test", kind="service")
        key = create_api_key(world.rt, uow, staff_svc.get(uow, username="billing_sys"), "test")
        uow.commit()
    r = world.client.get("/api/v1/persons", params={"purpose": "billing"},
                         headers={"X-API-Key": key})
    assert r.status_code == 200 and len(r.json()["items"]) == 2
    assert all("****" in i["fields"]["phone"]["value"][0] for i in r.json()["items"])
    # a service account cannot sign in with a password
    assert world.login("billing_sys", password="anything-1").status_code == 401


def test_list_pages_through_a_community(rt):
    from ownerguard.services.demo import create_demo
    from ownerguard.services.staff_access import access
    from ownerguard.vault.policy import community_scope

    demo = create_demo(rt, rooms=40, community="翠湖苑", actor="t", with_staff=False)
    from support.helpers import ctx

    with rt.uow() as uow:
        from ownerguard.store.tables import communities

        row = uow.conn.execute(select(communities)).one()
        c = ctx(row.company_id, role="steward", scope=community_scope({row.id}))
        pages, seen, n = [], [], 1
        while True:
            page = access.list_persons(rt, uow, c, page=n)
            pages.append(len(page.views))
            seen += [v.person_id for v in page.views]
            if not page.has_more:
                break
            n += 1
        uow.commit()
    assert len(seen) == len(set(seen)) == demo.counts.persons
    assert all(p == access.PAGE for p in pages[:-1]) and 0 < pages[-1] <= access.PAGE
