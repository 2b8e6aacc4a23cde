"""The command line and the HTTP service as a user meets them."""

from __future__ import annotations

import json
import os

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from ownerguard.app import create_app
from ownerguard.cli.main import app
from ownerguard.store.tables import audit_log

runner = CliRunner()


def _invoke(*args: str):
    result = runner.invoke(app, list(args))
    return result


def _demo_person(rooms: int = 30) -> str:
    assert _invoke("demo", "--rooms", str(rooms), "--community", "翠湖苑").exit_code == 0
    found = _invoke("persons", "search", "--room", "1栋 1单元 101", "--json")
    assert found.exit_code == 0, found.output
    return json.loads(found.stdout)[0]["id"]


def test_show_masked_then_reveal_with_purpose(rt, home):
    pid = _demo_person()
    masked = json.loads(_invoke("persons", "show", pid, "--json").stdout)[0]["fields"]
    assert masked["phone"]["outcome"] == "masked" and "****" in masked["phone"]["value"][0]
    assert masked["id_number"]["outcome"] in ("masked",)
    clear = json.loads(_invoke("persons", "show", pid, "--reveal", "phone", "--purpose",
                               "record_keeping", "--json").stdout)[0]["fields"]
    assert clear["phone"]["outcome"] == "clear"
    assert clear["phone"]["value"][0].isdigit() and len(clear["phone"]["value"][0]) == 11
    with rt.uow(read_only=True) as uow:
        e = uow.conn.execute(select(audit_log).where(audit_log.c.subject == pid,
                                                     audit_log.c.outcome == "clear")).one()
    assert (e.action, e.fields, e.purpose, e.role) == ("reveal", "phone", "record_keeping",
                                                      "operator")


def test_reveal_for_billing_is_refused(rt, home):
    """L2: the operator's billing purpose shows masked phones and no ID number at all."""
    pid = _demo_person()
    out = json.loads(_invoke("persons", "show", pid, "--reveal", "phone", "--reveal",
                             "id_number", "--purpose", "billing", "--json").stdout)[0]["fields"]
    assert out["phone"]["outcome"] == "masked"
    assert out["id_number"] == {"outcome": "denied", "reason": "field_not_needed",
                                "value": None}


def test_unknown_field_and_person_errors(rt, home):
    _demo_person()
    bad = _invoke("persons", "show", "no-such-id")
    assert bad.exit_code == 2 and "person_not_found" in bad.output
    bad = _invoke("persons", "show", "x", "--reveal", "favourite_colour")
    assert bad.exit_code == 2 and "unknown_field" in bad.output


def test_search_needs_exactly_one_term(rt, home):
    _demo_person()
    assert _invoke("persons", "search").exit_code == 2
    assert _invoke("persons", "search", "--phone", "1", "--name", "x").exit_code == 2


def test_shred_via_cli(rt, home):
    pid = _demo_person()
    assert _invoke("persons", "shred", pid).exit_code == 2          # needs --yes
    assert _invoke("persons", "shred", pid, "--yes").exit_code == 0
    out = json.loads(_invoke("persons", "show", pid, "--json").stdout)[0]
    assert out["state"] == "shredded"
    assert {f["reason"] for f in out["fields"].values()} == {"shredded"}
    assert _invoke("audit", "verify").exit_code == 0


def test_audit_tail_shows_codes_only(rt, home):
    _demo_person()
    out = json.loads(_invoke("audit", "tail", "-n", "5", "--json").stdout)
    assert len(out) == 5 and {"actor", "action", "subject", "outcome"} <= set(out[0])


def test_policy_show(rt, home):
    out = json.loads(_invoke("policy", "show", "--json").stdout)
    assert out["purposes"]["marketing"]["basis"] == "none"
    assert any(r["role"] == "dpo" for r in out["matrix"])
    assert _invoke("policy", "show").exit_code == 0


def test_init_with_demo_is_idempotent(home):
    assert _invoke("init", "--demo", "--rooms", "20").exit_code == 0
    again = _invoke("init", "--demo", "--rooms", "20")
    assert again.exit_code == 0 and "no demo added" in again.output


def test_world_readable_key_refused(home):
    os.chmod(home / "master.key", 0o644)
    result = _invoke("audit", "verify")
    assert result.exit_code == 2 and "chmod 600" in result.output and "权限 644" in result.output


def test_template_round_trip(rt, home, tmp_path):
    out = tmp_path / "模板.xlsx"
    assert _invoke("template", str(out)).exit_code == 0
    result = _invoke("import", str(out), "--community", "空小区", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["persons"] == 0


def test_health_and_openapi(rt):
    client = TestClient(create_app(rt))
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["database"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/healthz" in spec["paths"]
    assert "业主信息卫士" in client.get("/").text


def test_health_reports_a_dead_database(rt):
    rt.engine.dispose()
    rt.engine.url = rt.engine.url.set(database="/nonexistent/dir/x.db") \
        if rt.engine.dialect.name == "sqlite" else rt.engine.url.set(port=1)
    from ownerguard.store.db import make_engine

    rt.engine = make_engine(rt.engine.url.render_as_string(hide_password=False))
    assert TestClient(create_app(rt)).get("/healthz").status_code == 503


def test_docs_policy_matches_the_code():
    """docs/policy.md is generated from the catalogue and grants; regenerate it when they change:
    `ownerguard policy show --markdown > docs/policy.md`."""
    from pathlib import Path

    from ownerguard.services.oversight.policy_doc import policy_markdown
    from ownerguard.services.runtime import default_policy

    doc = Path(__file__).resolve().parents[2] / "docs" / "policy.md"
    assert doc.read_text(encoding="utf-8") == policy_markdown(default_policy())
