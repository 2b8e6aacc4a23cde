"""Signed audit checkpoints (issue 7 item 4; L10, L23): a checkpoint the owners' committee keeps
catches what the hash chain alone cannot — a whole tail rewritten and re-hashed, heads included —
and the committee's standalone verifier agrees with the in-app one."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from ownerguard.cli.main import app
from ownerguard.services.lifecycle import checkpoints as svc
from ownerguard.store.tables import audit_heads, audit_log
from ownerguard.vault import checkpoint as cpv
from ownerguard.vault.audit import COLUMNS, entry_hash
from ownerguard.vault.audit_verify import verify as verify_chains
from ownerguard.vault.gate import Gate  # noqa: F401  (the gate writes the entries we read)
from support.helpers import ZHANG, ctx, person_row, store_rows

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_checkpoint.py"
runner = CliRunner()


# -- builders --------------------------------------------------------------------------------

def _residents(rt, first_row: int = 2, n: int = 4, community: str = "翠湖苑"):
    rows = [person_row(first_row + i, name=f"测试{i}", phone=f"1391234{first_row + i:04d}",
                       id_number=None, number=str(100 + first_row + i)) for i in range(n)]
    comp, comm, _ = store_rows(rt, rows, community=community)
    return comp, comm


def _reads(rt, company_id: str, times: int = 3):
    """Masked reads through the gate: each appends audit entries."""
    with rt.uow() as uow:
        ids = [r.id for r in uow.conn.execute(select(audit_log.c.subject.label("id")).where(
            audit_log.c.subject != "").distinct())]
        for _ in range(times):
            rt.gate.read(uow, ctx(company_id), ids[:2], ["name", "phone"])
        uow.commit()


def _create(rt) -> dict:
    with rt.uow() as uow:
        cp = svc.create(rt, uow, actor="test:checkpoint")
        uow.commit()
    return cp


def _verify(rt, cp) -> cpv.CheckpointReport:
    with rt.uow(read_only=True) as uow:
        ident = svc.identity(rt, uow.conn, create=False)
        return cpv.verify_checkpoint(uow.conn, cp, trusted_public_hex=ident["public_key"],
                                     deployment=ident["deployment"])


def _rows(rt, chain):
    with rt.uow(read_only=True) as uow:
        return [dict(r._mapping) for r in uow.conn.execute(
            select(audit_log).where(audit_log.c.chain == chain).order_by(audit_log.c.seq))]


def _rewrite(rt, chain: str, seq: int, **changes):
    """The consistent forgery: change one entry, re-hash every entry after it and the head.
    ``audit verify`` alone finds nothing wrong afterwards."""
    rows = _rows(rt, chain)
    with rt.uow() as uow:
        prev = rows[seq - 2]["hash"] if seq > 1 else rows[0]["prev_hash"]
        for r in rows[seq - 1:]:
            r.update(changes if r["seq"] == seq else {})
            h = entry_hash(prev, [r[c] for c in COLUMNS])
            uow.conn.execute(update(audit_log).where(audit_log.c.id == r["id"]).values(
                {**{c: r[c] for c in COLUMNS}, "prev_hash": prev, "hash": h}))
            prev = h
        uow.conn.execute(update(audit_heads).where(audit_heads.c.chain == chain).values(
            seq=rows[-1]["seq"], hash=prev))
        uow.commit()


def _truncate(rt, chain: str, keep: int):
    """Drop the tail after ``keep`` and move the head back: consistent again."""
    rows = _rows(rt, chain)
    with rt.uow() as uow:
        uow.conn.execute(delete(audit_log).where(audit_log.c.chain == chain,
                                                 audit_log.c.seq > keep))
        uow.conn.execute(update(audit_heads).where(audit_heads.c.chain == chain).values(
            seq=keep, hash=rows[keep - 1]["hash"]))
        uow.commit()


def _chains_ok(rt) -> bool:
    with rt.uow(read_only=True) as uow:
        return verify_chains(uow.conn).ok


def _standalone(rt, cp: dict, tmp_path: Path, *, key: str | None = None,
                chains: list[str] | None = None) -> tuple[int, dict]:
    """Export the log and run tools/verify_checkpoint.py as the committee would."""
    log, cpf = tmp_path / "log.jsonl", tmp_path / "cp.json"
    with rt.uow() as uow:
        svc.export_log(rt, uow, log, chains=chains)
        ident = svc.identity(rt, uow.conn)
        uow.commit()
    cpf.write_text(json.dumps(cp))
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--checkpoint", str(cpf), "--log", str(log),
         "--public-key", key or ident["fingerprint"], "--json"],
        capture_output=True, text=True, timeout=60,
        # The tool must not need OwnerGuard: hide the source tree from it.
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _first(problems) -> tuple | None:
    if not problems:
        return None
    p = problems[0] if isinstance(problems[0], dict) else problems[0].as_dict()
    return p["chain"], p["seq"], p["kind"]


# -- in-app ----------------------------------------------------------------------------------

def test_checkpoint_verifies_then_still_after_more_entries(rt):
    comp, comm = _residents(rt)
    cp = _create(rt)
    assert cp["format"] == "ownerguard-checkpoint/1" and cp["entries"] > 0
    assert {c["chain"] for c in cp["chains"]} >= {comm.id}
    report = _verify(rt, cp)
    assert report.ok, report.problems
    _reads(rt, comp.id)
    _residents(rt, first_row=20)
    report = _verify(rt, cp)
    assert report.ok, report.problems
    assert report.audit.entries > cp["entries"]


def test_checkpoint_holds_no_personal_data(rt):
    _residents(rt)
    store_rows(rt, [person_row(40, number="401")])
    text = json.dumps(_create(rt), ensure_ascii=False)
    for value in (*ZHANG.values(), "测试0", "13912340002"):
        assert value not in text


def test_consistent_rewrite_is_caught_only_by_the_checkpoint(rt):
    comp, comm = _residents(rt)
    _reads(rt, comp.id)
    cp = _create(rt)
    seq = next(c["seq"] for c in cp["chains"] if c["chain"] == comm.id)
    _reads(rt, comp.id)        # later entries, re-hashed too by the forger
    _rewrite(rt, comm.id, 2, actor="someone-else")
    assert _chains_ok(rt), "the forgery should be consistent"
    report = _verify(rt, cp)
    assert not report.ok
    assert _first(report.problems) == (comm.id, seq, "rewritten")


def test_rewrite_after_the_checkpoint_is_not_blamed_on_it(rt):
    """Entries appended after the checkpoint are not covered: re-hashing only those is not
    something the checkpoint can see (the next checkpoint will)."""
    comp, comm = _residents(rt)
    cp = _create(rt)
    seq = next(c["seq"] for c in cp["chains"] if c["chain"] == comm.id)
    _reads(rt, comp.id)
    _rewrite(rt, comm.id, seq + 1, actor="someone-else")
    assert _verify(rt, cp).ok


def test_truncated_chain_detected(rt):
    comp, comm = _residents(rt)
    _reads(rt, comp.id)
    cp = _create(rt)
    seq = next(c["seq"] for c in cp["chains"] if c["chain"] == comm.id)
    _truncate(rt, comm.id, seq - 2)
    assert _chains_ok(rt)
    report = _verify(rt, cp)
    assert _first(report.problems) == (comm.id, seq, "truncated")
    assert f"ends at seq {seq - 2}" in report.problems[0].what


def test_truncated_then_reappended_detected(rt):
    comp, comm = _residents(rt)
    _reads(rt, comp.id)
    cp = _create(rt)
    seq = next(c["seq"] for c in cp["chains"] if c["chain"] == comm.id)
    _truncate(rt, comm.id, seq - 3)
    _reads(rt, comp.id, times=3)       # the chain grows past seq again, with other entries
    assert _chains_ok(rt)
    assert _first(_verify(rt, cp).problems) == (comm.id, seq, "rewritten")


def test_broken_chain_reported_with_the_checkpoint(rt):
    comp, comm = _residents(rt)
    cp = _create(rt)
    with rt.uow() as uow:
        uow.conn.execute(update(audit_log).where(audit_log.c.chain == comm.id,
                                                 audit_log.c.seq == 2).values(actor="x"))
        uow.commit()
    report = _verify(rt, cp)
    assert _first(report.problems) == (comm.id, 2, "broken")


@pytest.mark.parametrize("edit", ["seq", "hash", "created_at", "entries", "drop_chain",
                                  "signature"])
def test_edited_checkpoint_is_forged(rt, edit):
    _residents(rt)
    cp = _create(rt)
    if edit == "seq":
        cp["chains"][0]["seq"] -= 1
    elif edit == "hash":
        cp["chains"][0]["hash"] = "0" * 64
    elif edit == "created_at":
        cp["created_at"] = "2020-01-01T00:00:00.000000+00:00"
    elif edit == "entries":
        cp["entries"] += 1
    elif edit == "drop_chain":
        cp["chains"].pop()
    else:
        cp["signature"] = cp["signature"][:-2] + ("00" if cp["signature"][-2:] != "00" else "11")
    report = _verify(rt, cp)
    assert _first(report.problems) == ("", None, "forged")


def test_checkpoint_under_another_key_is_forged(rt):
    """A forger who rewrites the log and signs a matching checkpoint with their own key."""
    comp, comm = _residents(rt)
    real = _create(rt)
    _rewrite(rt, comm.id, 1, actor="someone-else")
    with rt.uow(read_only=True) as uow:
        heads = [{"chain": r.chain, "seq": r.seq, "hash": r.hash}
                 for r in uow.conn.execute(select(audit_heads))]
    fake = cpv.sign(Ed25519PrivateKey.generate(), created_at=real["created_at"],
                    deployment=real["deployment"], chains=heads, entries=real["entries"])
    report = _verify(rt, fake)
    assert _first(report.problems) == ("", None, "forged")
    assert "not this deployment's key" in report.problems[0].what


def test_refuses_to_sign_a_broken_log(rt):
    _, comm = _residents(rt)
    with rt.uow() as uow:
        uow.conn.execute(update(audit_log).where(audit_log.c.chain == comm.id,
                                                 audit_log.c.seq == 1).values(role="x"))
        uow.commit()
    with rt.uow() as uow, pytest.raises(svc.CheckpointError):
        svc.create(rt, uow)
    assert not list((rt.settings.home / "checkpoints").glob("*.json"))


def test_key_is_stable_and_wrapped(rt):
    with rt.uow() as uow:
        a = svc.identity(rt, uow.conn)
        uow.commit()
    from ownerguard.services.runtime import open_runtime
    other = open_runtime(rt.settings.home)
    try:
        with other.uow(read_only=True) as uow:
            b = svc.identity(other, uow.conn, create=False)
    finally:
        other.close()
    assert a == b and len(a["public_key"]) == 64
    assert a["fingerprint"].count("-") == 5


# -- periodic --------------------------------------------------------------------------------

def test_maybe_create_once_per_period_files_private(rt):
    _residents(rt)
    with rt.uow() as uow:
        first = svc.maybe_create(rt, uow)
        uow.commit()
    assert first is not None
    with rt.uow() as uow:
        assert svc.maybe_create(rt, uow, every=timedelta(hours=1)) is None
        uow.commit()
    with rt.uow() as uow:
        again = svc.maybe_create(rt, uow, every=timedelta(0))
        uow.commit()
    assert again is not None and again["created_at"] > first["created_at"]
    d = rt.settings.home / "checkpoints"
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    files = sorted(d.glob("checkpoint-*.json"))
    assert len(files) == 2
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert [r["created_at"] for r in svc.list_checkpoints(rt)] == \
        [again["created_at"], first["created_at"]]
    assert _verify(rt, json.loads(files[0].read_text())).ok


def test_rolled_back_checkpoint_leaves_no_file(rt):
    _residents(rt)
    with rt.uow() as uow:
        svc.maybe_create(rt, uow)       # not committed
    assert not list((rt.settings.home / "checkpoints").glob("*.json"))


# -- digest form and QR ----------------------------------------------------------------------

def test_digest_form_verifies_and_catches_rewrite(rt):
    comp, comm = _residents(rt)
    _reads(rt, comp.id)
    cp = _create(rt)
    _reads(rt, comp.id)
    digest = cpv.digest_form(cp)
    assert "chains" not in digest
    report = _verify(rt, digest)
    assert report.ok and report.form == "digest", report.problems
    _rewrite(rt, comm.id, 3, purpose="billing")
    assert _first(_verify(rt, digest).problems) == ("*", None, "rewritten")


def test_qr_full_when_small_digest_when_large(rt, tmp_path):
    _residents(rt)
    cp = _create(rt)
    assert svc.write_qr(cp, tmp_path / "cp.png") == "full"
    assert (tmp_path / "cp.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svc.write_qr(cp, tmp_path / "cp.svg") == "full"
    assert "<svg" in (tmp_path / "cp.svg").read_text()
    payload, form = svc.qr_payload(cp)
    assert form == "full" and json.loads(payload) == cp
    key = Ed25519PrivateKey.generate()
    many = cpv.sign(key, created_at=cp["created_at"], deployment="og-x", entries=1, chains=[
        {"chain": f"{i:08d}-0000-0000-0000-000000000000", "seq": 1, "hash": "a" * 64}
        for i in range(40)])
    payload, form = svc.qr_payload(many)
    assert form == "digest" and json.loads(payload) == cpv.digest_form(many)
    assert svc.write_qr(many, tmp_path / "many.svg") == "digest"


# -- the committee's standalone verifier -----------------------------------------------------

@pytest.mark.parametrize("scenario", ["good", "more_entries", "rewritten", "truncated",
                                      "broken", "edited", "other_key", "digest_good",
                                      "digest_rewritten"])
def test_standalone_agrees_with_in_app(rt, tmp_path, scenario):
    comp, comm = _residents(rt)
    _reads(rt, comp.id)
    cp = _create(rt)
    seq = next(c["seq"] for c in cp["chains"] if c["chain"] == comm.id)
    if scenario == "more_entries":
        _reads(rt, comp.id)
    elif scenario in ("rewritten", "digest_rewritten"):
        _reads(rt, comp.id)
        _rewrite(rt, comm.id, 2, outcome="denied")
    elif scenario == "truncated":
        _truncate(rt, comm.id, seq - 1)
    elif scenario == "broken":
        with rt.uow() as uow:
            uow.conn.execute(update(audit_log).where(audit_log.c.chain == comm.id,
                                                     audit_log.c.seq == 3).values(client="x"))
            uow.commit()
    elif scenario == "edited":
        cp["chains"][0]["seq"] += 1
    elif scenario == "other_key":
        cp = cpv.sign(Ed25519PrivateKey.generate(), created_at=cp["created_at"],
                      deployment=cp["deployment"], chains=cp["chains"], entries=cp["entries"])
    if scenario.startswith("digest"):
        cp = cpv.digest_form(cp)
    in_app = _verify(rt, cp)
    code, tool = _standalone(rt, cp, tmp_path)
    assert tool["ok"] == in_app.ok == (scenario in ("good", "more_entries", "digest_good"))
    assert code == (0 if in_app.ok else 1)
    assert _first(tool["problems"]) == _first(in_app.problems)


def test_standalone_needs_the_recorded_key(rt, tmp_path):
    _residents(rt)
    cp = _create(rt)
    with rt.uow(read_only=True) as uow:
        pub = svc.identity(rt, uow.conn, create=False)["public_key"]
    assert _standalone(rt, cp, tmp_path, key=pub)[0] == 0
    other = cpv.public_key_hex(Ed25519PrivateKey.generate())
    code, out = _standalone(rt, cp, tmp_path, key=other)
    assert code == 1 and out["problems"][0]["kind"] == "forged"


def test_standalone_partial_export_of_one_community(rt, tmp_path):
    comp, comm = _residents(rt)
    _residents(rt, first_row=30, community="翡翠园")
    cp = _create(rt)
    code, out = _standalone(rt, cp, tmp_path, chains=[comm.id])
    assert code == 0, out
    _rewrite(rt, comm.id, 1, actor="x")
    code, out = _standalone(rt, cp, tmp_path, chains=[comm.id])
    assert code == 1 and out["problems"][0]["chain"] == comm.id


def test_standalone_tool_imports_nothing_of_ownerguard():
    source = TOOL.read_text()
    assert "ownerguard." not in source.replace("ownerguard/vault", "") \
        .replace("`ownerguard", "")
    imports = {line.split()[1].split(".")[0] for line in source.splitlines()
               if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "argparse", "hashlib", "json", "sys", "cryptography"}


# -- command line ----------------------------------------------------------------------------

def test_cli_create_verify_public_key_export(rt, home, tmp_path):
    comp, comm = _residents(rt)
    pk = runner.invoke(app, ["checkpoint", "public-key", "--json"])
    assert pk.exit_code == 0, pk.output
    ident = json.loads(pk.stdout)
    out, qr = tmp_path / "cp.json", tmp_path / "cp.png"
    made = runner.invoke(app, ["checkpoint", "create", "--out", str(out), "--qr", str(qr)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and qr.stat().st_size > 0
    cp = json.loads(out.read_text())
    assert cp["public_key"] == ident["public_key"]
    listed = runner.invoke(app, ["checkpoint", "list", "--json"])
    assert json.loads(listed.stdout)[0]["created_at"] == cp["created_at"]

    ok = runner.invoke(app, ["audit", "verify", "--checkpoint", str(out)])
    assert ok.exit_code == 0 and "checkpoint verified" in ok.output
    ok_json = json.loads(runner.invoke(app, ["audit", "verify", "--checkpoint", str(out),
                                             "--json"]).stdout)
    assert ok_json["ok"] and ok_json["fingerprint"] == ident["fingerprint"]

    _rewrite(rt, comm.id, 1, actor="someone-else")
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0   # the forgery is consistent
    bad = runner.invoke(app, ["audit", "verify", "--checkpoint", str(out), "--json"])
    assert bad.exit_code == 1
    problem = json.loads(bad.stdout)["problems"][0]
    assert (problem["chain"], problem["kind"]) == (comm.id, "rewritten")
    text = runner.invoke(app, ["audit", "verify", "--checkpoint", str(out)])
    assert text.exit_code == 1 and comm.id[:8] in text.output

    log = tmp_path / "log.jsonl"
    exported = runner.invoke(app, ["audit", "export", "--out", str(log)])
    assert exported.exit_code == 0, exported.output
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    header = json.loads(log.read_text().splitlines()[0])
    assert header["format"] == "ownerguard-audit-export/1"


def test_cli_verify_on_deployment_without_key(rt, home, tmp_path):
    fake = cpv.sign(Ed25519PrivateKey.generate(), created_at="2026-01-01T00:00:00+00:00",
                    deployment="og-x", chains=[], entries=0)
    f = tmp_path / "cp.json"
    f.write_text(json.dumps(fake))
    res = runner.invoke(app, ["audit", "verify", "--checkpoint", str(f), "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["problems"][0]["kind"] == "forged"
