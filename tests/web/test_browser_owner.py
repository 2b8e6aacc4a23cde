"""The owner portal end to end in Debian's chromium (Playwright), on a phone-sized screen:
SMS sign-in (the code read from the development outbox) → the access feed shows a steward's
read → withdraw a consent and see the receipt → file a written inquiry → the company answers →
take it to the owners' committee. Screenshots go to ``tests/artifacts/browser-owner/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ownerguard.adapters.contact.sms import list_outbox
from ownerguard.services.owners import inquiries as inquiries_svc
from support.browser import launch, live_server, require_chromium
from support.staff_world import build_world

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser-owner"
ALICE_PHONE = "13811112222"

sync_api = require_chromium()



@pytest.fixture
def server(rt, monkeypatch):
    world = build_world(rt)
    # A steward reads Alice's record through the gate: her access feed has an entry.
    r = world.client.get(f"/api/v1/persons/{world.alice}", headers=world.as_("steward"))
    assert r.status_code == 200, r.text
    with live_server(rt) as base:
        yield world, base


def _last_code(world) -> str:
    text = list_outbox(world.rt.settings.home / "outbox")[-1]["text"]
    return re.search(r"\d{6}", text).group()


def _answer(world, inquiry_id: str, text: str) -> None:
    from ownerguard.services.staff_access import access
    from ownerguard.services.staff_access import accounts as staff_svc

    with world.rt.uow() as uow:
        ctx = access.staff_context(world.rt, uow, staff_svc.get(uow, username="dpo2"))
        inquiries_svc.answer(world.rt, uow, ctx, inquiry_id, text)
        uow.commit()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_owner_journey_on_a_phone(server):
    world, base = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = []

    def shot(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        shots.append(name)

    with sync_api.sync_playwright() as pw:
        browser = launch(pw)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844},
                                          locale="zh-CN", is_mobile=True, has_touch=True)
            page = context.new_page()
            refused, failed = [], []
            page.on("console", lambda m: refused.append(m.text)
                    if "Content Security Policy" in m.text or "Refused" in m.text else None)
            page.on("response", lambda r: failed.append(r.url)
                    if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

            # 1. sign in with the SMS code
            page.goto(base + "/owner/")
            page.wait_for_url(base + "/owner/login")
            page.fill("#phone", ALICE_PHONE)
            shot(page, "01-phone")
            page.get_by_role("button", name="获取验证码").click()
            page.wait_for_selector("#code")
            assert "验证码已发送" in page.inner_text("#login-notice")
            page.fill("#code", _last_code(world))
            shot(page, "02-code")
            page.get_by_role("button", name="登录", exact=True).click()
            page.wait_for_url(base + "/owner/data")
            assert "爱丽丝" in page.inner_text("main")
            # nothing wider than the phone
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            shot(page, "03-my-data")

            # 2. the access feed shows the steward's read
            page.get_by_role("link", name="访问记录").click()
            page.wait_for_url(base + "/owner/access")
            first = page.locator("li.entry").first
            text = first.inner_text()
            assert "管家" in text and "查看" in text and "业主档案管理" in text
            assert re.search(r"员工[0-9a-f]{8}", text) and "steward" not in text
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            shot(page, "04-access-feed")

            # 3. consents: grant, then withdraw with one tap; a receipt each time
            page.get_by_role("link", name="同意管理").click()
            item = page.locator("li.consent[data-target=delivery]")
            item.get_by_role("button", name="同意").click()
            page.wait_for_selector("#receipt")
            assert "您已同意" in page.inner_text("#receipt")
            page.locator("li.consent[data-target=delivery]").get_by_role(
                "button", name="撤回同意").click()
            page.wait_for_selector("#receipt")
            receipt = page.inner_text("#receipt")
            assert "您已撤回同意" in receipt and re.search(r"[0-9a-f]{64}", receipt)
            assert "未同意" in page.locator("li.consent[data-target=delivery]").inner_text()
            shot(page, "05-consent-withdrawn")

            # 4. file a written inquiry
            page.get_by_role("link", name="书面质疑").click()
            page.select_option("#kind", "harassment")
            page.fill("#text", "最近每天接到装修推销电话，怀疑我的号码被泄露。")
            page.get_by_role("button", name="提交", exact=True).click()
            page.wait_for_selector("#flash")
            flash = page.inner_text("#flash")
            assert "书面质疑已提交" in flash
            number = re.search(r"IQ-\d{8}-[0-9A-F]+", flash).group()
            assert "待答复" in page.inner_text("ul.inquiries")
            shot(page, "06-inquiry-filed")

            # 5. the company answers; the owner takes it to the owners' committee
            with world.rt.uow(read_only=True) as uow:
                iid = next(i.id for i in inquiries_svc.mine(uow, _session(world))
                           if i.number == number)
            _answer(world, iid, "经核查，我司员工未对外提供您的号码。")
            page.get_by_role("link", name="查看详情").first.click()
            page.wait_for_url(re.compile(r".*/owner/inquiries/[A-Za-z0-9-]+$"))
            assert "经核查" in page.inner_text("ol.timeline")
            page.fill("#escalate-text", "答复没有说明号码是如何泄露的。")
            shot(page, "07-inquiry-answered")
            page.get_by_role("button", name="提交业委会").click()
            page.wait_for_selector("#flash")
            assert "已提交业主委员会" in page.inner_text("#flash")
            assert page.inner_text("#iq-status") == "已提交业委会"
            assert page.locator("#dossier").is_visible()
            shot(page, "08-escalated")

            # the narrowest phones we support: nothing sideways on any page
            page.set_viewport_size({"width": 360, "height": 740})
            for path in ("/owner/data", "/owner/access", "/owner/consents",
                         "/owner/inquiries", page.url.removeprefix(base)):
                page.goto(base + path)
                assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
                if path == "/owner/access":
                    box = page.locator("li.entry button").first.bounding_box()
                    assert box["height"] >= 44 and box["width"] >= 300     # a thumb's target
            shot(page, "09-360px")

            # English on the same pages
            page.get_by_role("link", name="English").click()
            page.wait_for_selector("html[lang=en]")
            assert "Timeline" in page.inner_text("main")
            assert not refused, refused         # the CSP had nothing to refuse
            assert not failed, failed           # every page and stylesheet loaded
        finally:
            browser.close()
    for name in shots:
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 5_000


def _session(world):
    from ownerguard.services.owners.auth import OwnerSession

    return OwnerSession("", "", ((world.company_id, world.alice),))
