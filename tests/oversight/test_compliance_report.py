"""The compliance self-audit report (L23): figures come from the records, an edited input is
reflected, it names no resident, and it renders as PDF, HTML and JSON (CLI and API)."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from ownerguard import clock
from ownerguard.cli.main import app
from ownerguard.services.oversight import compliance_report
from support.owner_world import ALICE_PHONE, world  # noqa: F401


def _data(world) -> dict:
    with world.rt.uow(read_only=True) as uow:
        return compliance_report.gather(world.rt, uow, world.company_id,
                                        clock.today() - timedelta(days=30), clock.today())


def test_figures_follow_the_records(world):
    before = _data(world)
    assert before["audit"]["ok"] and before["staff"]["个人信息保护负责人"]["accounts"] == 2
    # An edit to the inputs: a clear reveal by the steward and a written inquiry.
    r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=world.as_("steward"),
                          json={"fields": ["phone"], "purpose": "record_keeping"})
    assert r.status_code == 200, r.text
    from support.owner_world import owner_token

    h = {"Authorization": f"Bearer {owner_token(world, ALICE_PHONE)}"}
    world.client.post("/api/v1/me/inquiries", headers=h, json={"kind": "leak", "text": "测试"})
    after = _data(world)
    assert after["reveals"]["clear"] > before["reveals"]["clear"]
    assert after["reveals"]["by_role"].get("管家", 0) > before["reveals"]["by_role"].get("管家", 0)
    assert after["inquiries"]["total"] == before["inquiries"]["total"] + 1
    assert after["audit"]["entries"] > before["audit"]["entries"]


def test_report_names_no_resident_and_renders(world):
    world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=world.as_("steward"),
                      json={"fields": ["phone"], "purpose": "record_keeping"})
    with world.rt.uow(read_only=True) as uow:
        html = compliance_report.build(world.rt, uow, world.company_id,
                                       clock.today() - timedelta(days=7), clock.today(), "html").decode()
        pdf = compliance_report.build(world.rt, uow, world.company_id,
                                      clock.today() - timedelta(days=7), clock.today(), "pdf")
    assert "合规审计报告" in html and "<svg" in html and "管家" in html
    for secret in ("爱丽丝", "鲍勃", ALICE_PHONE, world.alice):
        assert secret not in html
    assert pdf.startswith(b"%PDF")


def test_api_is_for_the_dpo_only(world):
    r = world.client.get("/api/v1/reports/compliance?format=json", headers=world.as_("dpo"))
    assert r.status_code == 200 and r.json()["company"]
    assert world.client.get("/api/v1/reports/compliance", headers=world.as_("manager")
                            ).status_code == 403
    assert world.client.get("/api/v1/reports/compliance", headers=world.as_("sysadmin")
                            ).status_code == 403


def test_cli_writes_the_report(world, tmp_path):
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["report", "compliance", "--from",
                                      (clock.today() - timedelta(days=3)).isoformat(), "--to",
                                      clock.today().isoformat(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["audit"]["ok"] is True
    assert oct(out.stat().st_mode)[-3:] == "600"
    bad = CliRunner().invoke(app, ["report", "compliance", "--from", "2026-12-01", "--to",
                                   "2026-11-01", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0
