"""The owner portal pages (/owner) as owners meet them on a phone: SMS sign-in, my data, the
access feed with 标记为可疑, consents with receipts, written inquiries; CSRF on every POST,
IDOR (owner B never sees A through any page), English switch, strict CSP, mobile viewport."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ownerguard import clock
from ownerguard.adapters.contact.sms import list_outbox
from ownerguard.domain.consent import NOTICE_VERSION
from ownerguard.i18n import translate
from ownerguard.services.owners import auth as owner_auth
from support.owner_world import (
    ALICE_PHONE,
    BOB_PHONE,
    client_for,
    csrf_of,
    last_code,
    login_token,
    request_code,
    sign_in,
)
from support.staff_world import build_world

PAGES = ("/owner/data", "/owner/access", "/owner/consents", "/owner/inquiries")


@pytest.fixture
def world(rt, monkeypatch):
    return build_world(rt)


def staff_read(world, person_id: str, username: str = "dpo") -> None:
    """A staff read through the gate, so the person's access feed has an entry."""
    r = world.client.get(f"/api/v1/persons/{person_id}", headers=world.as_(username))
    assert r.status_code == 200, r.text


def test_sign_in_flow_and_cookie_flags(world):
    client = client_for(world)
    page = client.get("/owner/login")
    assert "获取验证码" in page.text and 'name="viewport"' in page.text
    step = request_code(client, ALICE_PHONE)
    assert "如该号码已在物业登记，验证码已发送" in step.text and 'id="code"' in step.text
    r = client.post("/owner/login", follow_redirects=False, data={
        "phone": ALICE_PHONE, "code": last_code(world), "login_token": login_token(step.text)})
    assert r.status_code == 303
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("og_owner="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/owner" in cookie
    assert "Secure" not in cookie
    data = client.get("/owner/data")
    assert data.status_code == 200 and "爱丽丝" in data.text and ALICE_PHONE in data.text
    # the phone never lands in a URL
    assert all(ALICE_PHONE not in str(h.url) for h in [page, step, r, data])


def test_session_cookie_is_secure_over_https(world):
    client = client_for(world, https=True)
    step = request_code(client, ALICE_PHONE)
    r = client.post("/owner/login", follow_redirects=False, data={
        "phone": ALICE_PHONE, "code": last_code(world), "login_token": login_token(step.text)})
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("og_owner="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_same_answer_whether_registered(world):
    before = len(list_outbox(world.rt.settings.home / "outbox"))
    known = request_code(client_for(world), ALICE_PHONE)
    unknown = request_code(client_for(world), "13700000000")
    assert known.status_code == unknown.status_code == 200

    def body(html: str) -> str:         # the page minus the echoed phone and form token
        html = re.sub(r'value="[^"]*"', 'value=""', html)
        return html

    assert body(known.text) == body(unknown.text)
    assert len(list_outbox(world.rt.settings.home / "outbox")) == before + 1


def test_errors_in_chinese(world):
    client = client_for(world)
    r = request_code(client, "12345")
    assert r.status_code == 422 and translate("error.invalid_phone") in r.text
    step = request_code(client, ALICE_PHONE)
    wrong = f"{(int(last_code(world)) + 1) % 10**6:06d}"
    r = client.post("/owner/login", data={"phone": ALICE_PHONE, "code": wrong,
                                          "login_token": login_token(step.text)})
    assert r.status_code == 401 and "验证码错误或已过期" in r.text
    for _ in range(owner_auth.PER_PHONE):
        r = request_code(client, ALICE_PHONE)
    assert r.status_code == 429 and "请15分钟后再试" in r.text


def test_sign_in_forms_need_their_token(world):
    client = client_for(world)
    client.get("/owner/login")
    r = client.post("/owner/login/code", data={"phone": ALICE_PHONE, "login_token": "forged"})
    assert r.status_code == 403
    before = len(list_outbox(world.rt.settings.home / "outbox"))
    assert before == 0          # no code was sent for a forged form
    fresh = client_for(world)     # no cookie at all
    r = fresh.post("/owner/login", data={"phone": ALICE_PHONE, "code": "123456",
                                         "login_token": "x"})
    assert r.status_code == 403 and "og_owner=" not in r.headers.get("set-cookie", "")


def test_pages_need_a_session(world):
    client = client_for(world)
    for path in PAGES:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/owner/login")
    assert client.get("/owner/", follow_redirects=False).headers["location"] == "/owner/login"
    # a staff token opens no owner page
    staff = client_for(world)
    staff.cookies.set("og_owner", world.token("dpo"))
    assert staff.get("/owner/data", follow_redirects=False).status_code == 303


def test_csrf_is_required_on_every_post(world):
    staff_read(world, world.alice)
    client = sign_in(world, ALICE_PHONE)
    entry = re.search(r'data-entry="([^"]+)"', client.get("/owner/access").text).group(1)
    posts = {
        "/owner/access/flag": {"entry": entry},
        "/owner/consents": {"person_id": world.alice, "kind": "purpose", "target": "delivery",
                            "granted": "1", "notice_version": NOTICE_VERSION},
        "/owner/inquiries": {"kind": "leak", "text": "我的电话被泄露了"},
        "/owner/logout": {},
    }
    for path, form in posts.items():
        for token in (None, "0" * 64):
            data = form | ({"csrf": token} if token else {})
            r = client.post(path, data=data, follow_redirects=False)
            assert r.status_code == 403, path
            assert "防伪令牌" in r.text
    # nothing happened: no inquiry, no consent change, still signed in
    assert "您还没有提交过书面质疑" in client.get("/owner/inquiries").text
    assert "未同意" in client.get("/owner/consents").text
    # Bob's CSRF token does not work in Alice's session
    bob_csrf = csrf_of(sign_in(world, BOB_PHONE).get("/owner/data").text)
    r = client.post("/owner/inquiries", data={"kind": "leak", "text": "x", "csrf": bob_csrf})
    assert r.status_code == 403


def test_my_data_shows_purpose_basis_retention_roles(world):
    client = sign_in(world, ALICE_PHONE)
    html = client.get("/owner/data").text
    block = html[html.index('data-field="id_number"'):]
    block = block[:block.index("</details>")]
    assert "11010519491231002X" in block
    assert "业主档案管理" in block and "个保法第13条" in block
    assert "居住期间及迁出后3年" in block
    assert "个人信息保护负责人" in block and "系统管理员" not in block
    assert "物业收费" not in block          # no ID number for billing (L2)
    assert "高风险" in block


def test_minor_is_flagged(world):
    from sqlalchemy import update

    from ownerguard.store.tables import persons

    with world.rt.uow() as uow:
        uow.conn.execute(update(persons).where(persons.c.id == world.alice).values(
            is_minor=True))
        uow.commit()
    html = sign_in(world, ALICE_PHONE).get("/owner/data").text
    assert 'class="badge warn minor"' in html and "未成年人" in html


def test_access_feed_newest_first_with_local_time_and_flag(world):
    staff_read(world, world.alice, "steward")
    item = world.work_item("technician")
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal",
                          headers=world.as_("technician"),
                          json={"fields": ["phone"], "purpose": "repair",
                                "work_order_id": item.number})
    assert r.status_code == 200, r.text
    client = sign_in(world, ALICE_PHONE)
    html = client.get("/owner/access").text
    entries = re.findall(r'data-entry="([^"]+)"', html)
    assert len(entries) >= 3
    first = html[html.index('data-entry="'):]
    first = first[:first.index("</li>")]
    # newest first: the technician's clear reveal for a repair
    assert "维修" in first and "查看明文" in first and "报修维修" in first and "明文" in first
    assert item.number in first and re.search(r"员工[0-9a-f]{8}", first)
    assert "technician" not in first        # a pseudonymous reference, not the account
    assert re.search(r"<time>\d{4}-\d\d-\d\d \d\d:\d\d</time>", first)
    # times are Asia/Shanghai
    from datetime import datetime, timedelta

    shown = re.search(r"<time>([^<]+)</time>", first).group(1)
    now_cn = clock.local_now().replace(tzinfo=None)
    assert abs(datetime.strptime(shown, "%Y-%m-%d %H:%M") - now_cn) < timedelta(minutes=5)
    # flag the steward's read as suspicious → a suspicious_access inquiry with that entry
    steward_entry = entries[1]
    r = client.post("/owner/access/flag", follow_redirects=False, data={
        "entry": steward_entry, "text": "", "csrf": csrf_of(html)})
    assert r.status_code == 303
    listing = client.get(r.headers["location"]).text
    assert "已标记为可疑" in listing and "可疑查看" in listing and steward_entry in listing
    from ownerguard.services.owners import inquiries as inquiries_svc

    with world.rt.uow(read_only=True) as uow:
        session = owner_auth.OwnerSession("", "", ((world.company_id, world.alice),))
        filed = inquiries_svc.mine(uow, session)
    assert [(i.kind, i.audit_ref) for i in filed] == [("suspicious_access", steward_entry)]


def test_consent_withdraw_and_grant_show_receipts(world):
    client = sign_in(world, ALICE_PHONE)
    html = client.get("/owner/consents").text
    assert NOTICE_VERSION in html and "个人信息处理规则" in html and ">撤回同意</button>" not in html
    assert "门禁卡或动态密码" in html          # L7: the alternative is shown
    base = {"person_id": world.alice, "kind": "purpose", "target": "delivery",
            "notice_version": NOTICE_VERSION, "csrf": csrf_of(html)}
    r = client.post("/owner/consents", data=base | {"granted": "1"})
    assert r.status_code == 200 and 'id="receipt"' in r.text and "您已同意：快递代收" in r.text
    assert re.search(r"<code>[0-9a-f]{64}</code>", r.text)
    staff = world.as_("front_desk")
    assert world.client.get(f"/api/v1/persons/{world.alice}", params={"purpose": "delivery"},
                            headers=staff).status_code == 200
    r = client.post("/owner/consents", data=base | {"granted": "0"})
    assert r.status_code == 200 and "您已撤回同意：快递代收" in r.text
    again = world.client.get(f"/api/v1/persons/{world.alice}", params={"purpose": "delivery"},
                             headers=staff)
    assert again.status_code == 403 and again.json()["detail"]["code"] == "no_consent"
    # an outdated notice cannot be agreed to
    r = client.post("/owner/consents", data=base | {"granted": "1", "notice_version": "1999-01"})
    assert r.status_code == 422 and "隐私告知已更新" in r.text


def test_file_an_inquiry_and_list_it(world):
    client = sign_in(world, ALICE_PHONE)
    html = client.get("/owner/inquiries").text
    r = client.post("/owner/inquiries", follow_redirects=False, data={
        "kind": "harassment", "text": "最近每天接到装修推销电话", "csrf": csrf_of(html)})
    assert r.status_code == 303
    number = re.search(r"n=(IQ-[0-9]{8}-[0-9A-F]+)", r.headers["location"]).group(1)
    listing = client.get(r.headers["location"]).text
    assert f"书面质疑已提交：{number}" in listing

    from ownerguard.domain.deadlines import add_working_days

    assert add_working_days(clock.today()).due.isoformat() in listing
    assert "骚扰电话/短信" in listing and "待答复" in listing
    r = client.post("/owner/inquiries", data={"kind": "leak", "text": "  ",
                                              "csrf": csrf_of(html)})
    assert r.status_code == 422 and "请填写内容" in r.text
    r = client.post("/owner/inquiries", data={"kind": "nonsense", "text": "x",
                                              "csrf": csrf_of(html)})
    assert r.status_code == 422 and "类型应为" in r.text


def test_flash_only_renders_known_codes(world):
    client = sign_in(world, ALICE_PHONE)
    html = client.get("/owner/inquiries?msg=<b>hi</b>&n=<script>").text
    assert "<b>hi</b>" not in html and "<script>" not in html
    html = client.get("/owner/inquiries?msg=ow_iq_filed&n=<script>").text
    assert "书面质疑已提交" in html and "&lt;script" not in html and "<script>" not in html


def test_idor_owner_b_never_sees_a(world):
    staff_read(world, world.alice)
    alice = sign_in(world, ALICE_PHONE)
    access = alice.get("/owner/access").text
    alice_entry = re.search(r'data-entry="([^"]+)"', access).group(1)
    alice.post("/owner/inquiries", data={"kind": "leak", "text": "爱丽丝的质疑",
                                         "csrf": csrf_of(access)})
    alice_number = re.search(r"IQ-\d{8}-[0-9A-F]+", alice.get("/owner/inquiries").text).group()
    bob = sign_in(world, BOB_PHONE)
    for path in PAGES:
        for params in ({}, {"person_id": world.alice}, {"id": world.alice}):
            r = bob.get(path, params=params)
            assert r.status_code == 200, path
            for secret in (world.alice, "爱丽丝", ALICE_PHONE, "11010519491231002X",
                           alice_entry, alice_number):
                assert secret not in r.text, (path, secret)
    assert "鲍勃" in bob.get("/owner/data").text
    csrf = csrf_of(bob.get("/owner/data").text)
    # Bob cannot flag Alice's entry, nor change Alice's consents
    r = bob.post("/owner/access/flag", data={"entry": alice_entry, "csrf": csrf})
    assert r.status_code == 404
    r = bob.post("/owner/consents", data={"person_id": world.alice, "kind": "purpose",
                                          "target": "delivery", "granted": "1",
                                          "notice_version": NOTICE_VERSION, "csrf": csrf})
    assert r.status_code == 404
    assert "未同意" in alice.get("/owner/consents").text
    assert alice_number not in bob.get("/owner/inquiries").text


def test_english_switch_is_remembered(world):
    client = sign_in(world, ALICE_PHONE)
    r = client.get("/owner/data?lang=en")
    assert 'lang="en"' in r.text and "My data" in r.text and "Kept for" in r.text
    assert "record keeping" in r.text.lower() or "Owner records" in r.text or \
        "PIPL 13(1)(2)" in r.text
    assert "lang=en" in r.headers.get("set-cookie", "")
    r = client.get("/owner/access")
    assert "Access log" in r.text and "Flag as suspicious" in r.text
    r = client.get("/owner/consents")
    assert "Grant" in r.text and "Face recognition" in r.text
    r = client.get("/owner/inquiries")
    assert "File an inquiry" in r.text and "harassment calls or SMS" in r.text
    assert "我的数据" in client.get("/owner/data?lang=zh").text
    anonymous = client_for(world)
    assert "Get a code" in anonymous.get("/owner/login?lang=en").text
    assert "获取验证码" in client_for(world).get("/owner/login").text     # zh-CN by default


def test_csp_and_no_inline_script_on_every_page(world):
    staff_read(world, world.alice)
    client = sign_in(world, ALICE_PHONE)
    pages = {p: client.get(p) for p in PAGES}
    pages["/owner/login"] = client_for(world).get("/owner/login")
    for path, r in pages.items():
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and r.headers["cache-control"] == "no-store"
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in r.text
        # no script of any kind, no inline handlers, no inline styles, nothing from elsewhere
        assert "<script" not in r.text, path
        assert not re.search(r"\son[a-z]+\s*=", r.text), path
        assert "style=" not in r.text, path
        assert not re.search(r'(src|href)="(https?:)?//', r.text), path
        assert "/static/owner.css" in r.text


def test_sign_out_ends_the_session(world):
    client = sign_in(world, ALICE_PHONE)
    token = client.cookies.get("og_owner")
    html = client.get("/owner/data").text
    r = client.post("/owner/logout", data={"csrf": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 303 and "ow_signed_out" in r.headers["location"]
    assert "您已退出登录" in client.get(r.headers["location"]).text
    # the old token no longer opens anything
    again = client_for(world)
    again.cookies.set("og_owner", token)
    r = again.get("/owner/data", follow_redirects=False)
    assert r.status_code == 303


def test_static_stylesheet_is_served(world):
    r = client_for(world).get("/static/owner.css")
    assert r.status_code == 200 and "48px" in r.text


# --- one inquiry: answer, accept, escalate, dossier -------------------------------------------

def file_inquiry(client: TestClient, text: str = "有人用我的电话打推销电话") -> tuple[str, str]:
    html = client.get("/owner/inquiries").text
    r = client.post("/owner/inquiries", follow_redirects=False,
                    data={"kind": "leak", "text": text, "csrf": csrf_of(html)})
    assert r.status_code == 303
    listing = client.get("/owner/inquiries").text
    iid = re.search(r'href="/owner/inquiries/([A-Za-z0-9-]+)"', listing).group(1)
    number = re.search(r"n=(IQ-[0-9]{8}-[0-9A-F]+)", r.headers["location"]).group(1)
    return iid, number


def staff_answers(world, iid: str, text: str) -> None:
    from ownerguard.services.owners import inquiries as inquiries_svc
    from ownerguard.services.staff_access import access
    from ownerguard.services.staff_access import accounts as staff_svc

    with world.rt.uow() as uow:
        ctx = access.staff_context(world.rt, uow, staff_svc.get(uow, username="dpo2"))
        inquiries_svc.answer(world.rt, uow, ctx, iid, text)
        uow.commit()


def test_inquiry_detail_answer_escalate_and_dossier(world):
    import io
    import zipfile

    client = sign_in(world, ALICE_PHONE)
    iid, number = file_inquiry(client)
    page = client.get(f"/owner/inquiries/{iid}")
    assert page.status_code == 200 and number in page.text and "有人用我的电话打推销电话" in page.text
    assert 'id="accept"' not in page.text and 'id="escalate"' not in page.text   # no answer yet
    staff_answers(world, iid, "经核查，系快递员泄露，已处理。")
    page = client.get(f"/owner/inquiries/{iid}").text
    assert "经核查" in page and "物业答复" in page
    assert "接受答复" in page and "提交业委会" in page
    r = client.post(f"/owner/inquiries/{iid}/escalate", follow_redirects=False,
                    data={"text": "答复不能令人满意", "csrf": csrf_of(page)})
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "已提交业主委员会" in page and "已提交业委会" in page
    assert 'id="escalate"' not in page and 'id="dossier"' in page
    r = client.get(f"/owner/inquiries/{iid}/dossier")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert "attachment" in r.headers["content-disposition"]
    assert r.headers["cache-control"] == "no-store"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert any(n.endswith(".pdf") for n in names)
    # English timeline
    page = client.get(f"/owner/inquiries/{iid}?lang=en").text
    assert "the company answered" in page and "with the owners&#39; committee" in page


def test_accept_an_answer(world):
    client = sign_in(world, ALICE_PHONE)
    iid, _ = file_inquiry(client)
    page = client.get(f"/owner/inquiries/{iid}").text
    # accepting before any answer is refused, in Chinese
    r = client.post(f"/owner/inquiries/{iid}/accept", data={"csrf": csrf_of(page)})
    assert r.status_code == 422 and "尚未收到答复" in r.text
    staff_answers(world, iid, "已处理")
    r = client.post(f"/owner/inquiries/{iid}/accept", data={"csrf": csrf_of(page)},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "已接受答复" in client.get(r.headers["location"]).text
    r = client.post(f"/owner/inquiries/{iid}/accept", data={})
    assert r.status_code == 403                       # CSRF


def test_inquiry_pages_idor(world):
    alice = sign_in(world, ALICE_PHONE)
    iid, number = file_inquiry(alice, "爱丽丝的秘密质疑")
    staff_answers(world, iid, "答复")
    bob = sign_in(world, BOB_PHONE)
    csrf = csrf_of(bob.get("/owner/data").text)
    for key in (iid, number):
        r = bob.get(f"/owner/inquiries/{key}")
        assert r.status_code == 404 and "爱丽丝的秘密质疑" not in r.text
        assert bob.post(f"/owner/inquiries/{key}/accept", data={"csrf": csrf}).status_code == 404
        assert bob.post(f"/owner/inquiries/{key}/escalate",
                        data={"csrf": csrf}).status_code == 404
        r = bob.get(f"/owner/inquiries/{key}/dossier")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "已答复" in alice.get(f"/owner/inquiries/{iid}").text   # untouched


# --- rights requests ---------------------------------------------------------------------------

def test_rights_copy_request_and_downloads(world):
    import io
    import json

    from openpyxl import load_workbook

    client = sign_in(world, ALICE_PHONE)
    page = client.get("/owner/rights")
    assert page.status_code == 200 and "权利申请" in page.text
    r = client.post("/owner/rights", follow_redirects=False,
                    data={"kind": "portability", "csrf": csrf_of(page.text)})
    assert r.status_code == 303, r.text
    detail = client.get(r.headers["location"]).text
    assert "申请已提交" in detail and 'id="copy-json"' in detail
    rid = re.search(r"/owner/rights/([A-Za-z0-9-]+)/copy", detail).group(1)
    j = client.get(f"/owner/rights/{rid}/copy?format=json")
    assert j.status_code == 200 and "attachment" in j.headers["content-disposition"]
    doc = json.loads(j.content)
    assert any(f["value"] == "爱丽丝" for f in doc["fields"])
    x = client.get(f"/owner/rights/{rid}/copy?format=xlsx")
    assert x.status_code == 200
    assert load_workbook(io.BytesIO(x.content)).sheetnames[0] == "个人信息"
    # Bob gets nothing of it
    bob = sign_in(world, BOB_PHONE)
    assert bob.get(f"/owner/rights/{rid}").status_code == 404
    r = bob.get(f"/owner/rights/{rid}/copy?format=json")
    assert r.status_code == 404 and "爱丽丝" not in r.text
    assert rid not in bob.get("/owner/rights").text


def test_rights_correction_and_deletion_are_filed(world):
    client = sign_in(world, ALICE_PHONE)
    csrf = csrf_of(client.get("/owner/rights").text)
    r = client.post("/owner/rights", data={"kind": "correction", "csrf": csrf})
    assert r.status_code == 422 and "请选择要更正的项目" in r.text
    r = client.post("/owner/rights", follow_redirects=False, data={
        "kind": "correction", "field": "name", "value": "爱丽丝二", "csrf": csrf})
    assert r.status_code == 303, r.text
    assert "处理中" in client.get(r.headers["location"]).text
    r = client.post("/owner/rights", follow_redirects=False,
                    data={"kind": "deletion", "text": "我已搬走", "csrf": csrf})
    assert r.status_code == 303
    listing = client.get("/owner/rights").text
    assert listing.count('class="inquiry s-open"') == 2
    assert client.post("/owner/rights", data={"kind": "copy"}).status_code == 403
