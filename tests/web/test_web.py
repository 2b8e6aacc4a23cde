"""The staff console (/console) as staff meet it in a browser: sign-in, masked search, purpose-
bound reveals, CSRF, escaping, languages, DPO pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ownerguard import web
from ownerguard.app import create_app
from ownerguard.domain import training as content
from ownerguard.services.oversight import audit_query
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.store.tables import residencies
from support.helpers import person_row, shows_refusal, store_rows

PASSWORD = "Sicher-Pass-2026"
PHONE = "13812345678"
XSS_NAME = "<script>alert(1)</script>"
XSS_BUILDING = "<script>alert(2)</script>栋"


@dataclass
class World:
    rt: object
    app: object
    company_id: str
    community_id: str
    secrets: dict[str, str | None]

    def client(self, *, https: bool = False) -> TestClient:
        return TestClient(self.app, base_url="https://testserver" if https else
                          "http://testserver")

    def sign_in(self, username: str, *, password: str = PASSWORD, https: bool = False
                ) -> TestClient:
        client = self.client(https=https)
        response = login(client, username, password, self.secrets.get(username))
        assert response.status_code == 303, response.text
        return client


def add_staff(rt, company_id: str, username: str, role: str, scope, *, certified: bool = True,
              display_name: str | None = None) -> str | None:
    with rt.uow() as uow:
        staff_svc.add_staff(rt, uow, company_id=company_id, username=username, role=role,
                            scope=scope, password=PASSWORD, actor="test:admin",
                            display_name=display_name)
        record = staff_svc.get(uow, username=username)
        if certified:
            staff_svc.record_training(rt, uow, record, method="quiz", actor="test:admin",
                                      score=1.0)
            staff_svc.record_nda(rt, uow, record, method="online", actor="test:admin")
        secret = staff_svc.totp_secret(rt, uow, record)
        uow.commit()
    return secret


def login(client: TestClient, username: str, password: str, secret: str | None):
    page = client.get("/console/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    return client.post("/console/login", follow_redirects=False, data={
        "username": username, "password": password,
        "otp": pyotp.TOTP(secret).now() if secret else "", "login_token": token})


def csrf(client: TestClient) -> str:
    return client.cookies.get("og_csrf")


def search(client: TestClient, htmx: bool = False, **form):
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf(client)} if htmx else {}
    data = form if htmx else {"csrf": csrf(client), **form}
    return client.post("/console/search", data=data, headers=headers)


def person_ids(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'/console/persons/([A-Za-z0-9-]+)\?', html)))


def room_of(rt, person_id: str) -> str:
    with rt.uow(read_only=True) as uow:
        return uow.conn.execute(select(residencies.c.room_id).where(
            residencies.c.person_id == person_id)).scalar_one()


@pytest.fixture
def world(rt) -> World:
    comp, comm, _ = store_rows(rt, [
        person_row(2),
        person_row(3, name=XSS_NAME, phone="13900001111", id_number=None,
                   building=XSS_BUILDING, unit="2单元", number="202"),
    ])
    scope = [(comm.id, None)]
    secrets = {
        "wang.steward": add_staff(rt, comp.id, "wang.steward", "steward", scope,
                                  display_name="王管家"),
        "li.dpo": add_staff(rt, comp.id, "li.dpo", "dpo", []),
        "zhao.sys": add_staff(rt, comp.id, "zhao.sys", "sysadmin", []),
        "chen.new": add_staff(rt, comp.id, "chen.new", "steward", scope, certified=False),
    }
    app = create_app(rt)
    web.install(app)
    return World(rt, app, comp.id, comm.id, secrets)


def zhang_id(client: TestClient) -> str:
    found = person_ids(search(client, q=PHONE).text)
    assert len(found) == 1
    return found[0]


def create_work_order(client: TestClient, rt, pid: str, *, kind: str = "work_order",
                      assignee: str = "wang.steward") -> str:
    r = client.post("/console/work-orders", follow_redirects=False, data={
        "room_id": room_of(rt, pid), "kind": kind, "category": "漏水",
        "assignee": assignee, "csrf": csrf(client)})
    assert r.status_code == 303, r.text
    return re.search(r"n=([A-Z]{2}-\d{8}-\d+)", r.headers["location"]).group(1)


def audit_of(rt, pid: str) -> list[dict]:
    with rt.uow(read_only=True) as uow:
        return audit_query.for_subject(uow, pid)


# ---------------------------------------------------------------------------------------------
# Signing in and out


def test_sign_in_sets_http_only_strict_cookies(world):
    client = world.client()
    r = login(client, "wang.steward", PASSWORD, world.secrets["wang.steward"])
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    cookies = {c.split("=", 1)[0]: c.lower() for c in r.headers.get_list("set-cookie")}
    assert "httponly" in cookies["og_session"] and "samesite=strict" in cookies["og_session"]
    assert "path=/" in cookies["og_session"] and "secure" not in cookies["og_session"]
    assert "httponly" not in cookies["og_csrf"] and "samesite=strict" in cookies["og_csrf"]
    page = client.get("/console/")
    assert page.status_code == 200 and "王管家" in page.text and "管家" in page.text
    assert f'hx-headers=\'{{"X-CSRF-Token": "{csrf(client)}"}}\'' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_cookies_are_secure_over_https(world):
    client = world.client(https=True)
    r = login(client, "wang.steward", PASSWORD, world.secrets["wang.steward"])
    assert r.status_code == 303
    session = next(c for c in r.headers.get_list("set-cookie") if c.startswith("og_session="))
    assert "secure" in session.lower()


def test_wrong_password_is_refused_in_chinese_and_counted(world):
    client = world.client()
    r = login(client, "wang.steward", "Wrong-Pass-0000", world.secrets["wang.steward"])
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert "og_session" not in r.headers.get("set-cookie", "")
    with world.rt.uow(read_only=True) as uow:
        last = audit_query.latest(uow, 1)[0]
    assert (last["action"], last["outcome"], last["reason"]) == \
        ("login", "failed", "invalid_credentials")
    for _ in range(4):          # attempts were committed: the fifth locks the account
        r = login(client, "wang.steward", "Wrong-Pass-0000", world.secrets["wang.steward"])
    assert "账号已锁定" in r.text
    r = login(client, "wang.steward", PASSWORD, world.secrets["wang.steward"])
    assert r.status_code == 401 and "账号已锁定" in r.text


def test_otp_is_required_for_roles_that_reveal(world):
    client = world.client()
    r = login(client, "wang.steward", PASSWORD, None)
    assert r.status_code == 401 and "该角色需要动态验证码" in r.text


def test_sign_in_form_needs_its_own_token(world):
    client = world.client()
    r = client.post("/console/login", follow_redirects=False, data={
        "username": "zhao.sys", "password": PASSWORD, "login_token": "forged"})
    assert r.status_code == 403 and "og_session" not in r.headers.get("set-cookie", "")


def test_pages_need_a_session(world):
    client = world.client()
    r = client.get("/console/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    assert "请先登录" in client.get(r.headers["location"]).text
    r = client.post("/console/search", data={"q": PHONE}, headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["hx-redirect"].startswith("/console/login")


def test_sign_out_ends_the_session(world):
    client = world.sign_in("wang.steward")
    r = client.post("/console/logout", data={"csrf": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303 and "signed_out" in r.headers["location"]
    assert client.cookies.get("og_session") is None
    assert client.get("/console/", follow_redirects=False).status_code == 303


# ---------------------------------------------------------------------------------------------
# Search and the person card


def test_search_shows_masked_phone_never_the_clear_one(world):
    client = world.sign_in("wang.steward")
    for htmx in (False, True):
        r = search(client, htmx=htmx, q=PHONE)
        assert r.status_code == 200
        assert "138****5678" in r.text and "张*国" in r.text
        assert PHONE not in r.text and "张建国" not in r.text
        assert ("<html" in r.text) is not htmx        # htmx gets the results fragment only
    last4 = search(client, q="5678")
    assert "138****5678" in last4.text and PHONE not in last4.text
    by_building = search(client, building="1栋")
    assert len(person_ids(by_building.text)) == 1
    assert "请输入查询条件" in search(client).text


def test_person_card_is_masked_and_offers_only_revealable_fields(world):
    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    card = client.get(f"/console/persons/{pid}?purpose=billing")
    assert card.status_code == 200
    assert "138****5678" in card.text and PHONE not in card.text
    offered = re.findall(r'name="fields" value="([a-z_]+)"', card.text)
    assert offered == ["phone"]             # steward × billing: only the phone is R
    assert "默认脱敏显示" in card.text         # reason label of every masked field
    assert client.get("/console/persons/no-such-person").status_code == 404


def test_reveal_with_purpose_and_work_order_shows_the_value_and_is_audited(world):
    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    number = create_work_order(client, world.rt, pid)
    card = client.get(f"/console/persons/{pid}?purpose=repair")
    assert number in card.text
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf(client)}
    refused = client.post(f"/console/persons/{pid}/reveal", headers=headers,
                          data={"fields": ["phone"], "purpose": "repair"})
    assert PHONE not in refused.text and "明文查看须关联有效的工单" in refused.text
    r = client.post(f"/console/persons/{pid}/reveal", headers=headers,
                    data={"fields": ["phone"], "purpose": "repair", "work_order": number})
    assert r.status_code == 200 and PHONE in r.text and "<html" not in r.text
    clear = [e for e in audit_of(world.rt, pid) if e["outcome"] == "clear"]
    assert len(clear) == 1
    e = clear[0]
    assert (e["action"], e["actor"], e["purpose"], e["work_item"], e["fields"]) == \
        ("reveal", "wang.steward", "repair", number, "phone")


def test_reveal_without_javascript_renders_a_full_page(world):
    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    r = client.post(f"/console/persons/{pid}/reveal", data={
        "fields": ["name"], "purpose": "record_keeping", "csrf": csrf(client)})
    assert r.status_code == 200 and "<html" in r.text and "张建国" in r.text


def test_post_without_csrf_token_is_refused_and_reveals_nothing(world):
    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    before = audit_of(world.rt, pid)
    for token in (None, "forged-token"):
        data = {"fields": ["phone", "name"], "purpose": "record_keeping"}
        if token:
            data["csrf"] = token
        r = client.post(f"/console/persons/{pid}/reveal", data=data)
        assert r.status_code == 403 and "防伪令牌" in r.text
        assert PHONE not in r.text and "张建国" not in r.text
    htmx = client.post(f"/console/persons/{pid}/reveal", data=data,
                       headers={"HX-Request": "true", "X-CSRF-Token": "nope"})
    assert htmx.status_code == 403 and PHONE not in htmx.text
    assert audit_of(world.rt, pid) == before        # nothing was read at all
    assert client.post("/console/search", data={"q": PHONE}).status_code == 403
    assert client.post("/console/logout", data={}).status_code == 403


def test_xss_payloads_come_out_escaped(world):
    client = world.sign_in("wang.steward")
    listing = search(client, q=XSS_NAME)
    found = person_ids(listing.text)
    assert len(found) == 1
    assert "&lt;script&gt;alert(2)&lt;/script&gt;栋" in listing.text     # the room label
    assert "<script>alert" not in listing.text and XSS_NAME not in listing.text
    card = client.get(f"/console/persons/{found[0]}?purpose=record_keeping")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in card.text
    assert "<script>alert" not in card.text
    revealed = client.post(f"/console/persons/{found[0]}/reveal", data={
        "fields": ["name", "rooms"], "purpose": "record_keeping", "csrf": csrf(client)})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in revealed.text
    assert "<script>alert" not in revealed.text
    # Crafted query strings are not reflected either.
    page = client.get("/console/persons/x?purpose=%3Cscript%3Ealert(3)%3C/script%3E")
    assert "<script>alert" not in page.text
    login_page = world.client().get("/console/login?reason=%3Cscript%3Ealert(4)")
    assert "alert(4)" not in login_page.text


def test_no_audit_no_data(world, monkeypatch):
    """Invariant 2 through the console: if the audit entry cannot be written, the page says so
    and shows nothing."""
    from ownerguard.vault.audit import AuditWriteFailed

    client = world.sign_in("wang.steward")
    pid = zhang_id(client)

    def refuse(*_args, **_kwargs):
        raise AuditWriteFailed("audit_unavailable")

    monkeypatch.setattr(world.rt.audit, "append", refuse)
    r = client.post(f"/console/persons/{pid}/reveal", data={
        "fields": ["phone", "name"], "purpose": "record_keeping", "csrf": csrf(client)})
    assert r.status_code == 503 and "审计日志暂不可用" in r.text
    assert PHONE not in r.text and "张建国" not in r.text
    monkeypatch.undo()
    assert not [e for e in audit_of(world.rt, pid) if e["outcome"] == "clear"]


def test_emergency_reveal_needs_a_reason_and_reaches_the_dpo(world):
    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    card = client.get(f"/console/persons/{pid}?purpose=emergency")
    assert 'name="emergency_reason" required' in card.text
    no_reason = client.post(f"/console/persons/{pid}/reveal", data={
        "fields": ["phone"], "purpose": "emergency", "csrf": csrf(client)})
    assert PHONE not in no_reason.text and "紧急查看必须填写书面理由" in no_reason.text
    r = client.post(f"/console/persons/{pid}/reveal", data={
        "fields": ["phone"], "purpose": "emergency", "csrf": csrf(client),
        "emergency_reason": "楼上漏水淹到楼下，需立即联系业主关阀"})
    assert PHONE in r.text
    dpo = world.sign_in("li.dpo")
    alerts = dpo.get("/console/dpo/alerts")
    assert "紧急查看待复核" in alerts.text and "楼上漏水淹到楼下" in alerts.text
    alert_id = re.search(r"/console/dpo/alerts/([A-Za-z0-9-]+)/review", alerts.text).group(1)
    reviewed = dpo.post(f"/console/dpo/alerts/{alert_id}/review",
                        data={"resolution": "justified", "csrf": csrf(dpo)})
    assert "告警已复核" in reviewed.text
    assert "理由成立" in dpo.get("/console/dpo/alerts?status=reviewed").text


def test_contact_owner_without_showing_the_number(world):
    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    number = create_work_order(client, world.rt, pid)
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf(client)}
    sms = client.post(f"/console/persons/{pid}/contact", headers=headers, data={
        "channel": "sms", "work_order": number, "purpose": "repair"})
    assert sms.status_code == 200 and "已代发短信" in sms.text and PHONE not in sms.text
    call = client.post(f"/console/persons/{pid}/contact", headers=headers, data={
        "channel": "call", "work_order": number, "purpose": "repair"})
    assert "请拨打隐私号" in call.text and PHONE not in call.text
    assert re.search(r'class="alias">\d{11}<', call.text)
    refused = client.post(f"/console/persons/{pid}/contact", headers=headers, data={
        "channel": "sms", "work_order": "", "purpose": "repair"})
    assert refused.status_code == 403 and "明文查看须关联有效的工单" in refused.text


# ---------------------------------------------------------------------------------------------
# Languages


def test_english_switch_is_remembered(world):
    client = world.sign_in("wang.steward")
    zh = client.get("/console/")
    assert "查询业主" in zh.text and 'lang="zh-CN"' in zh.text
    en = client.get("/console/?lang=en")
    assert "Find owners" in en.text and "查询业主" not in en.text and '<html lang="en">' in en.text
    assert "steward" in en.text                                    # role label in English
    again = client.get("/console/")                                # the cookie remembers
    assert "Find owners" in again.text
    pid = person_ids(search(client, q=PHONE).text)[0]
    card = client.get(f"/console/persons/{pid}?purpose=marketing")
    assert "purpose has no legal basis (L1)" in card.text      # policy reasons in English
    assert "查询业主" in client.get("/console/?lang=zh").text
    anonymous = world.client()
    anonymous.get("/console/login?lang=en")
    r = login(anonymous, "wang.steward", "Wrong-Pass-0000", None)
    assert "wrong username or password" in r.text


def test_training_markdown_is_escaped():
    from ownerguard.web.minimd import render

    html = render("## 标题\n\n- **要点** `138****1234`\n- <script>x</script>\n\n段落")
    assert "<h4>标题</h4>" in html and "<strong>要点</strong>" in html
    assert "<code>138****1234</code>" in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<p>段落</p>" in html and "<script>" not in html


# ---------------------------------------------------------------------------------------------
# Roles


def test_dpo_audit_page_shows_the_reveal(world):
    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    client.post(f"/console/persons/{pid}/reveal", data={
        "fields": ["phone"], "purpose": "record_keeping", "csrf": csrf(client)})
    dpo = world.sign_in("li.dpo")
    page = dpo.get(f"/console/dpo/audit?person_id={pid}")
    assert page.status_code == 200
    row = next(r for r in page.text.split("<tr>") if ">reveal<" in r)
    assert "wang.steward" in row and ">clear<" in row and ">phone<" in row
    assert PHONE not in page.text
    by_actor = dpo.get("/console/dpo/audit?actor=wang.steward&since=2000-01-01")
    assert ">reveal<" in by_actor.text
    assert dpo.get("/console/dpo/audit?since=yesterday").status_code == 422


def test_non_dpo_gets_403_on_dpo_pages(world):
    client = world.sign_in("wang.steward")
    for path in ("/console/dpo/audit", "/console/dpo/alerts", "/console/dpo/exports"):
        r = client.get(path)
        assert r.status_code == 403 and "只有个人信息保护负责人" in r.text
    r = client.post("/console/dpo/alerts/x/review",
                    data={"resolution": "justified", "csrf": csrf(client)})
    assert r.status_code == 403
    assert "/console/dpo/audit" not in client.get("/console/").text


def test_sysadmin_sees_no_search(world):
    client = world.sign_in("zhao.sys")
    page = client.get("/console/")
    assert "系统管理员不能查看业主个人信息" in page.text and 'name="q"' not in page.text
    assert search(client, q=PHONE).status_code == 403
    pid = zhang_id(world.sign_in("wang.steward"))
    card = client.get(f"/console/persons/{pid}")
    assert card.status_code == 403 and "138****5678" not in card.text
    assert all(e["actor"] != "zhao.sys" for e in audit_of(world.rt, pid))


# ---------------------------------------------------------------------------------------------
# Work orders, training, exports


def test_work_order_lifecycle(world):
    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    number = create_work_order(client, world.rt, pid, assignee="")
    listing = client.get("/console/work-orders?mine=0")
    assert number in listing.text and "待处理" in listing.text
    bad = client.post("/console/work-orders", data={"room_id": "no-such-room",
                                                    "csrf": csrf(client)})
    assert bad.status_code == 404 and shows_refusal(bad.text, "work_item_room_not_found")
    for action, data, status in (("assign", {"assignee": "wang.steward"}, "已指派"),
                                 ("done", {}, "已完成"), ("close", {}, "已关闭")):
        r = client.post(f"/console/work-orders/{number}/{action}",
                        data={**data, "csrf": csrf(client)})
        assert r.status_code == 200 and status in r.text, r.text
    again = client.post(f"/console/work-orders/{number}/done", data={"csrf": csrf(client)})
    assert again.status_code == 409


def test_training_quiz_and_nda_certify_a_new_steward(world):
    client = world.sign_in("chen.new")
    page = client.get("/console/training")
    assert "未完成培训或未签署保密协议" in page.text
    assert "业主个人信息保密承诺书" in page.text and "chen.new" in page.text
    seed = int(re.search(r'name="seed" value="(\d+)"', page.text).group(1))
    wrong = client.post("/console/training/quiz", data={
        "seed": seed, "answers": [], "csrf": csrf(client)})
    assert "未通过" in wrong.text
    answers = [f"{q.id}:{k}" for q in content.draw_quiz(seed) for k in q.answer]
    passed = client.post("/console/training/quiz", data={
        "seed": seed, "answers": answers, "csrf": csrf(client)})
    assert "通过！得分 100%" in passed.text
    refused = client.post("/console/training/nda", data={"name": "陈", "csrf": csrf(client)})
    assert refused.status_code == 422
    signed = client.post("/console/training/nda", data={
        "accept": "on", "name": "陈新", "csrf": csrf(client)})
    assert "已签署保密协议" in signed.text and "已完成培训并签署保密协议" in signed.text


def test_export_request_approval_and_download(world):
    steward = world.sign_in("wang.steward")
    r = steward.post("/console/exports", follow_redirects=True, data={
        "purpose": "record_keeping", "fields": ["name", "phone"],
        "community": world.community_id, "csrf": csrf(steward)})
    assert "已提交导出申请" in r.text and "待审批" in r.text
    denied = steward.post("/console/exports", data={
        "purpose": "billing", "fields": ["id_number"], "community": world.community_id,
        "csrf": csrf(steward)})
    assert denied.status_code == 403 and "证件号码" in denied.text

    dpo = world.sign_in("li.dpo")
    queue = dpo.get("/console/dpo/exports")
    export_id = re.search(r"/console/dpo/exports/([A-Za-z0-9-]+)/decide", queue.text).group(1)
    approved = dpo.post(f"/console/dpo/exports/{export_id}/decide",
                        data={"decision": "approve", "csrf": csrf(dpo)})
    assert "已处理导出申请" in approved.text

    mine = steward.get("/console/exports")
    assert f"/console/exports/{export_id}/download" in mine.text
    file = steward.post(f"/console/exports/{export_id}/download", data={"csrf": csrf(steward)})
    assert file.status_code == 200 and file.content[:2] == b"PK"
    assert "filename*=utf-8''" in file.headers["content-disposition"]
    assert file.headers["cache-control"] == "no-store"

    own = dpo.post("/console/exports", follow_redirects=True, data={
        "purpose": "record_keeping", "fields": ["name"], "community": world.community_id,
        "csrf": csrf(dpo)})
    assert "已提交导出申请" in own.text
    queue = dpo.get("/console/dpo/exports")
    own_id = re.search(r"/console/dpo/exports/([A-Za-z0-9-]+)/decide", queue.text).group(1)
    refused = dpo.post(f"/console/dpo/exports/{own_id}/decide",
                       data={"decision": "approve", "csrf": csrf(dpo)})
    assert refused.status_code == 403 and "不能审批自己提出的导出申请" in refused.text


def test_static_files_are_served(world):
    client = world.client()
    css = client.get("/static/console.css")
    assert css.status_code == 200 and "max-width" in css.text and "http" not in css.text
    assert client.get("/static/htmx.min.js").status_code == 200


def test_xss_in_every_stored_text_field_is_escaped(world):
    """Every value a sheet can carry as text — name, contact, building, unit, room, vehicle —
    holds a payload; listing, card and a reveal of every field render none of them live."""
    from ownerguard.domain.model import ResidencyRole
    from ownerguard.domain.rows import PersonRow, RoomRow, VehicleRow

    payload = '<img src=x onerror=alert({n})>'
    row = PersonRow(
        row=2, room=RoomRow(payload.format(n=1), payload.format(n=2), payload.format(n=3)),
        name=payload.format(n=4), role=ResidencyRole.OWNER, phone="13700009999",
        contact_name=payload.format(n=5), contact_phone="13700008888",
        vehicle=VehicleRow("京B12345", payload.format(n=6), payload.format(n=7),
                           payload.format(n=8)))
    store_rows(world.rt, [row])
    client = world.sign_in("wang.steward")
    listing = search(client, q="13700009999")
    pid = person_ids(listing.text)[0]
    card = client.get(f"/console/persons/{pid}?purpose=record_keeping")
    revealed = client.post(f"/console/persons/{pid}/reveal", data={
        "fields": ["name", "contact_name", "rooms", "plate"], "purpose": "record_keeping",
        "csrf": csrf(client)})
    for page in (listing, card, revealed):
        assert page.status_code == 200
        assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(4)&gt;" in revealed.text        # the clear name
    assert "&lt;img src=x onerror=alert(5)&gt;" in revealed.text        # the contact


# ---------------------------------------------------------------------------------------------
# Check before publishing, arrears notices (L25), work-order comments (free text)

DRAFT = "业主张伟电话13812345678"
COMMENT_PHONE = "13987654321"


def htmx_headers(client: TestClient) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf(client)}


def textarea(html: str, element_id: str) -> str:
    found = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, html
    return found.group(1)


def test_check_before_publishing_highlights_findings_and_offers_a_masked_copy(world):
    client = world.sign_in("wang.steward")
    page = client.get("/console/notices")
    assert page.status_code == 200
    assert 'href="/console/notices" aria-current="page">发布前检查<' in page.text
    assert 'hx-post="/console/notices/check"' in page.text
    assert "发布前检查" in client.get("/console/").text                    # in the header nav
    r = client.post("/console/notices/check", headers=htmx_headers(client),
                    data={"text": DRAFT})
    assert r.status_code == 200 and "<html" not in r.text
    assert "未发现个人信息" not in r.text
    marked = set(re.findall(r'<mark data-type="([a-z_]+)"', r.text))
    assert {"phone", "person_name"} <= marked
    rows = re.findall(r'<tr data-type="([a-z_]+)">\s*<td[^>]*>([^<]+)</td>\s*<td[^>]*>([^<]+)<',
                      r.text)
    labels = {kind: label for kind, label, _ in rows}
    assert labels["phone"] == "电话" and labels["person_name"] == "姓名"
    assert all("第 " in where and "字" in where for _, _, where in rows)
    masked = textarea(r.text, "check-masked")
    assert masked.strip() and PHONE not in masked and "张伟" not in masked
    # The user's own draft may be shown back highlighted, escaped.
    assert '<mark data-type="phone"' in r.text and PHONE in r.text
    clean = client.post("/console/notices/check", headers=htmx_headers(client),
                        data={"text": "本周六上午九点至十二点小区停水，请提前储水。"})
    assert clean.status_code == 200 and "未发现个人信息，可以发布" in clean.text
    assert "<mark" not in clean.text
    # Without JavaScript: a full page; the draft field stays empty.
    full = client.post("/console/notices/check", data={"text": DRAFT, "csrf": csrf(client)})
    assert full.status_code == 200 and "<html" in full.text
    assert textarea(full.text, "draft") == "" and PHONE not in textarea(full.text, "check-masked")
    assert client.post("/console/notices/check", headers=htmx_headers(client),
                       data={"text": "x" * 20_001}).status_code == 422
    assert client.post("/console/notices/check", headers=htmx_headers(client),
                       data={"text": "  "}).status_code == 422
    en = client.post("/console/notices/check?lang=en", headers=htmx_headers(client),
                     data={"text": DRAFT})
    assert "phone number" in en.text and "Masked version" in en.text


def test_checked_draft_is_escaped(world):
    client = world.sign_in("wang.steward")
    r = client.post("/console/notices/check", headers=htmx_headers(client),
                    data={"text": f"<script>alert(7)</script><img src=x onerror=alert(8)> "
                                  f"{PHONE}"})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(7)&lt;/script&gt;" in r.text


def test_arrears_notice_counts_per_building_and_names_no_one(world):
    store_rows(world.rt, [person_row(2, name="李秀英", phone="13700001234", id_number=None,
                                     number="102")])
    client = world.sign_in("wang.steward")
    page = client.get("/console/notices")
    assert f'<option value="{world.community_id}"' in page.text
    r = client.post("/console/notices/arrears", headers=htmx_headers(client), data={
        "community": world.community_id, "rooms": "1栋1单元101\n1-1-102\n",
        "period": "2026年11月"})
    assert r.status_code == 200, r.text
    text = textarea(r.text, "arrears-text")
    assert "1栋1单元：2户" in text and "截至2026年11月" in text
    assert "101" not in text and "102" not in text
    for name in ("张建国", "李秀英", PHONE, "13700001234"):
        assert name not in r.text
    assert "共 2 户" in r.text and "未发现个人信息，可以发布" in r.text
    # Same room twice, spaces and 室: still one household.
    again = client.post("/console/notices/arrears", headers=htmx_headers(client), data={
        "community": world.community_id, "rooms": "1栋 1单元 101室\n1栋1单元101",
        "period": "2026年11月"})
    assert "1栋1单元：1户" in textarea(again.text, "arrears-text")
    escaped = client.post("/console/notices/arrears", headers=htmx_headers(client), data={
        "community": world.community_id, "rooms": f"{XSS_BUILDING}2单元202",
        "period": "2026年11月"})
    assert escaped.status_code == 200 and "<script>alert" not in escaped.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;栋2单元：1户" in escaped.text


def test_arrears_notice_reports_unknown_rooms_by_line_only(world):
    client = world.sign_in("wang.steward")
    r = client.post("/console/notices/arrears", headers=htmx_headers(client), data={
        "community": world.community_id, "rooms": "1栋1单元101\n\n9栋9单元909\n",
        "period": "2026年11月"})
    assert r.status_code == 422
    assert "有 1 行找不到对应的房屋" in r.text and "请检查第 3 行" in r.text
    assert "909" not in r.text and "arrears-text" not in r.text
    for data, status in (({"rooms": "", "period": "2026年11月"}, 422),
                         ({"rooms": "1栋1单元101", "period": ""}, 422)):
        bad = client.post("/console/notices/arrears", headers=htmx_headers(client),
                          data={"community": world.community_id, **data})
        assert bad.status_code == status


def test_arrears_notice_stays_within_scope(world):
    comp, other, _ = store_rows(world.rt, [person_row(2, name="周八", phone="13600001111",
                                                      id_number=None)],
                                community="别的小区")
    client = world.sign_in("wang.steward")
    assert f'value="{other.id}"' not in client.get("/console/notices").text
    r = client.post("/console/notices/arrears", headers=htmx_headers(client), data={
        "community": other.id, "rooms": "1栋1单元101", "period": "2026年11月"})
    assert r.status_code == 403 and "不在您负责的范围内" in r.text
    dpo = world.sign_in("li.dpo")
    page = dpo.get("/console/notices")
    assert f'value="{other.id}"' in page.text and f'value="{world.community_id}"' in page.text
    ok = dpo.post("/console/notices/arrears", headers=htmx_headers(dpo), data={
        "community": other.id, "rooms": "1栋1单元101", "period": "2026年11月"})
    assert ok.status_code == 200 and "别的小区物业费缴纳温馨提示" in ok.text


def test_notice_posts_need_the_csrf_token(world):
    client = world.sign_in("wang.steward")
    for path, data in (("/console/notices/check", {"text": DRAFT}),
                       ("/console/notices/arrears", {"community": world.community_id,
                                                     "rooms": "1栋1单元101",
                                                     "period": "2026年11月"})):
        r = client.post(path, data=data)
        assert r.status_code == 403 and "防伪令牌" in r.text and PHONE not in r.text
        forged = client.post(path, data=data, headers={"HX-Request": "true",
                                                       "X-CSRF-Token": "forged"})
        assert forged.status_code == 403


def test_work_order_comment_is_masked_for_staff_and_original_for_the_dpo(world):
    from ownerguard.store.tables import notes

    client = world.sign_in("wang.steward")
    pid = zhang_id(client)
    number = create_work_order(client, world.rt, pid)
    listing = client.get("/console/work-orders?mine=0")
    assert f'href="/console/work-orders/{number}">备注<' in listing.text
    empty = client.get(f"/console/work-orders/{number}")
    assert empty.status_code == 200 and "暂无备注" in empty.text
    r = client.post(f"/console/work-orders/{number}/comments", data={
        "text": f"业主电话{COMMENT_PHONE}，下午在家", "csrf": csrf(client)})
    assert r.status_code == 200 and "已添加备注" in r.text, r.text
    assert COMMENT_PHONE not in r.text and "下午在家" in r.text
    assert "电话" in r.text and "含个人信息（已遮盖）" in r.text
    assert "/comments/reveal" not in r.text           # only the DPO may read the original
    refused = client.post(f"/console/work-orders/{number}/comments/reveal",
                          data={"csrf": csrf(client)})
    assert refused.status_code == 403 and COMMENT_PHONE not in refused.text
    with world.rt.uow(read_only=True) as uow:
        row = uow.conn.execute(select(notes)).one()
    assert COMMENT_PHONE.encode() not in row.text_ct and COMMENT_PHONE not in row.findings
    assert (row.kind, row.author) == ("work_order_comment", "wang.steward")

    dpo = world.sign_in("li.dpo")
    masked = dpo.get(f"/console/work-orders/{number}")
    assert masked.status_code == 200 and COMMENT_PHONE not in masked.text
    assert f'action="/console/work-orders/{number}/comments/reveal"' in masked.text
    assert dpo.get(f"/console/work-orders/{number}/comments/reveal").status_code != 200
    shown = dpo.post(f"/console/work-orders/{number}/comments/reveal",
                     data={"csrf": csrf(dpo)})
    assert shown.status_code == 200 and COMMENT_PHONE in shown.text
    assert "正在显示原文" in shown.text
    with world.rt.uow(read_only=True) as uow:
        reads = [e for e in audit_query.search(uow, world.company_id, actor="li.dpo")
                 if e["action"] == "read_text"]
    assert {e["outcome"] for e in reads} == {"masked", "clear"}
    assert all(e["work_item"] == number for e in reads)


def test_work_order_comments_need_csrf_scope_and_escape_markup(world):
    from ownerguard.store.tables import notes

    client = world.sign_in("wang.steward")
    number = create_work_order(client, world.rt, zhang_id(client))
    url = f"/console/work-orders/{number}/comments"
    for headers in ({}, {"HX-Request": "true", "X-CSRF-Token": "forged"}):
        r = client.post(url, data={"text": f"电话{COMMENT_PHONE}"}, headers=headers)
        assert r.status_code == 403 and "防伪令牌" in r.text
    with world.rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(notes)).first() is None
    assert client.post(url, data={"text": "  ", "csrf": csrf(client)}).status_code == 422
    long = client.post(url, data={"text": "修" * 4001, "csrf": csrf(client)})
    assert long.status_code == 422 and "备注过长" in long.text
    client.post(url, data={"text": "<script>alert(9)</script>已修好", "csrf": csrf(client)})
    page = client.get(f"/console/work-orders/{number}")
    assert "&lt;script&gt;alert(9)&lt;/script&gt;已修好" in page.text
    assert "<script>alert" not in page.text
    # Another community's steward: the order does not exist for them.
    comp, other, _ = store_rows(world.rt, [person_row(2, phone="13600002222", id_number=None)],
                                community="别的小区")
    world.secrets["sun.other"] = add_staff(world.rt, world.company_id, "sun.other", "steward",
                                           [(other.id, None)])
    outsider = world.sign_in("sun.other")
    assert outsider.get(f"/console/work-orders/{number}").status_code == 404
    assert outsider.post(url, data={"text": "hi", "csrf": csrf(outsider)}).status_code == 404
    assert client.get("/console/work-orders/WO-20260101-9999").status_code == 404
    assert client.get("/console/work-orders/not-a-number").status_code == 404
