"""`ownerguard scan`, the spreadsheet column report, the free-text guard and the notice checks
(detection issue; L25 for notices)."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from typer.testing import CliRunner

from ownerguard.cli.main import app
from ownerguard.services.staff_access import notices
from ownerguard.store.tables import audit_log, notes
from support.staff_world import build_world

runner = CliRunner()
TEXT = "业主张伟（电话138 1234 5678）反映3栋2单元1203室卫生间漏水，订单号202311280012345678。"


def test_scan_text_from_stdin():
    out = runner.invoke(app, ["scan", "-", "--json"], input=TEXT)
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    types = {f["type"] for f in result["findings"]}
    assert "phone" in types
    phone = next(f for f in result["findings"] if f["type"] == "phone")
    assert TEXT[phone["start"]:phone["end"]].replace(" ", "") == "13812345678"
    assert "13812345678" not in result["masked"] and "138 1234 5678" not in result["masked"]
    assert "202311280012345678" in result["masked"]       # an order number is not PII


def test_scan_jsonl(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in
                             enumerate([TEXT, "今天天气很好"])) + "\n", encoding="utf-8")
    out = runner.invoke(app, ["scan", "--jsonl", str(src)])
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["id"] for line in lines] == [0, 1]
    assert lines[0]["spans"] and lines[1]["spans"] == []
    assert set(lines[0]["spans"][0]) == {"type", "start", "end"}


def test_scan_sheet_reports_personal_columns(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "联系人", "电话", "备注", "金额"])
    ws.append([1, "张伟", "13812345678", "钥匙放在门卫", 120.5])
    ws.append([2, "李娜", "13987654321", "联系人王芳13700001111", 80])
    ws.append([3, "赵敏", "15011112222", "", 99])
    path = tmp_path / "legacy.xlsx"
    wb.save(path)
    masked = tmp_path / "masked.csv"
    out = runner.invoke(app, ["scan", str(path), "--json", "--out", str(masked)])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    personal = set(result["personal_columns"])
    assert {"电话", "联系人"} <= personal and "金额" not in personal and "序号" not in personal
    assert any(f["row"] == 3 and f["column"] == "备注" for f in result["findings"])
    copy = masked.read_text(encoding="utf-8-sig")
    assert "13812345678" not in copy and "13700001111" not in copy
    assert oct(masked.stat().st_mode & 0o777) == "0o600"


def test_scan_missing_file():
    out = runner.invoke(app, ["scan", "/no/such/file.txt"])
    assert out.exit_code == 2


def test_notice_check_highlights_and_escapes():
    result = notices.check("<b>请</b>业主张伟尽快缴费，电话13812345678")
    assert not result.ok
    assert "&lt;b&gt;" in result.html and "<mark" in result.html
    assert "13812345678" not in result.masked


@pytest.fixture
def world(rt, monkeypatch):
    return build_world(rt)


def test_arrears_notice_names_no_one(world):
    h = world.as_("steward")
    r = world.client.post("/api/v1/notices/arrears", headers=h, json={
        "community_id": world.community_id, "room_ids": [world.alice_room],
        "period": "2026年11月"})
    assert r.status_code == 200, r.text
    text = r.json()["text"]
    assert "1栋" in text and "1户" in text and "101" not in text and "爱丽丝" not in text
    assert r.json()["check"] is True
    other = world.client.post("/api/v1/notices/arrears", headers=world.as_("guard"), json={
        "community_id": "elsewhere", "room_ids": ["x"], "period": "2026年11月"})
    assert other.status_code == 403


def test_work_order_comment_is_sealed_and_masked(world):
    item = world.work_item("technician")
    h = world.as_("technician")
    text = "已联系业主爱丽丝，她的电话13811112222，明早9点上门"
    r = world.client.post(f"/api/v1/work-orders/{item.number}/comments", headers=h,
                          json={"text": text})
    assert r.status_code == 201
    shown = world.client.get(f"/api/v1/work-orders/{item.number}/comments",
                             headers=world.as_("steward")).json()["comments"][0]
    assert "13811112222" not in shown["text"] and "phone" in shown["finding_types"]
    assert shown["outcome"] == "masked"
    # Only the DPO sees it in clear, and that read is audited.
    tech_reveal = world.client.get(f"/api/v1/work-orders/{item.number}/comments",
                                   params={"reveal": True}, headers=h).json()["comments"][0]
    assert "13811112222" not in tech_reveal["text"]
    dpo = world.client.get(f"/api/v1/work-orders/{item.number}/comments",
                           params={"reveal": True}, headers=world.as_("dpo")).json()
    assert dpo["comments"][0]["text"] == text
    with world.rt.uow(read_only=True) as uow:
        stored = uow.conn.execute(select(notes)).one()
        reads = uow.conn.execute(select(audit_log).where(
            audit_log.c.action == "read_text")).all()
    assert b"13811112222" not in stored.text_ct and "13811112222" not in stored.findings
    assert {r.outcome for r in reads} == {"masked", "clear"}
