"""End to end in Debian's chromium (Playwright): a steward signs in, searches, reveals a phone for
a stated purpose, and the DPO finds that access in the audit view. Screenshots are kept in
``tests/artifacts/browser/``."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from ownerguard.services.staff_access import accounts as staff_svc
from support.browser import launch, live_server, require_chromium
from support.staff_world import PASSWORD, build_world

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"

sync_api = require_chromium()



@pytest.fixture
def server(rt, monkeypatch):
    world = build_world(rt)
    with live_server(rt) as base:
        yield world, base


def _otp(world, username: str) -> str:
    with world.rt.uow() as uow:
        secret = staff_svc.totp_secret(world.rt, uow, staff_svc.get(uow, username=username))
    return pyotp.TOTP(secret).now()


def _sign_in(page, base: str, world, username: str, shot: str | None = None) -> None:
    page.goto(base + "/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#otp", _otp(world, username))
    if shot:
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/console/")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sign_in_search_reveal_and_dpo_sees_it(server):
    world, base = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844},
                                       locale="zh-CN").new_page()
            _sign_in(page, base, world, "steward", "01-login.png")
            page.fill("#q", "爱丽丝")
            page.click("#search-form button[type=submit]")
            page.wait_for_selector("table.results")
            assert "138****2222" in page.inner_text("table.results")
            assert "13811112222" not in page.content()
            page.screenshot(path=str(ARTIFACTS / "02-search.png"), full_page=True)

            page.click("table.results a.button")
            page.wait_for_selector("table.card-fields")
            page.check("input[name=fields][value=phone]")
            page.screenshot(path=str(ARTIFACTS / "03-card.png"), full_page=True)
            page.click("form[action$='/reveal'] button[type=submit]")
            page.locator("#reveal-result").get_by_text("13811112222").first.wait_for()
            page.screenshot(path=str(ARTIFACTS / "04-revealed.png"), full_page=True)

            dpo = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _sign_in(dpo, base, world, "dpo")
            dpo.goto(f"{base}/console/dpo/audit?person_id={world.alice}")
            text = dpo.inner_text("main") if dpo.query_selector("main") else dpo.content()
            reveal_row = next(line for line in text.splitlines()
                              if "\treveal\t" in line)
            assert "steward" in reveal_row and "phone" in reveal_row
            assert "业主档案管理" in reveal_row and "clear" in reveal_row
            assert "13811112222" not in dpo.content()
            dpo.screenshot(path=str(ARTIFACTS / "05-dpo-audit.png"), full_page=True)
        finally:
            browser.close()
    for name in ("01-login", "02-search", "03-card", "04-revealed", "05-dpo-audit"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 5_000
