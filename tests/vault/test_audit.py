"""The audit chain: appends, and detection of every kind of tampering (invariant 2)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from ownerguard.store.tables import audit_heads, audit_log
from ownerguard.vault.audit import AuditEvent, AuditWriteFailed
from ownerguard.vault.audit_verify import verify

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres


def _fill(rt, chains=("c1", "c2"), n=5):
    with rt.uow() as uow:
        for chain in chains:
            rt.audit.append(uow.conn, chain, "co", [
                AuditEvent(actor="a", role="operator", action="read", subject=f"p{i}",
                           fields=("name", "phone"), purpose="billing", outcome="masked",
                           reason="masked_by_default") for i in range(n)])
        uow.commit()


def _verify(rt):
    with rt.uow(read_only=True) as uow:
        return verify(uow.conn)


def test_intact_chain_verifies(rt):
    _fill(rt)
    result = _verify(rt)
    assert result.ok and result.entries == 10 and result.chains == 2


def test_chains_have_independent_sequences(rt):
    _fill(rt)
    with rt.uow(read_only=True) as uow:
        seqs = {(r.chain, r.seq) for r in uow.conn.execute(select(audit_log))}
    assert seqs == {(c, s) for c in ("c1", "c2") for s in range(1, 6)}


def _entry_id(rt, chain, seq):
    with rt.uow(read_only=True) as uow:
        return uow.conn.execute(select(audit_log.c.id).where(
            audit_log.c.chain == chain, audit_log.c.seq == seq)).scalar_one()


@pytest.mark.parametrize("column, value", [
    ("actor", "someone-else"), ("outcome", "denied"), ("subject", "p99"),
    ("fields", "name"), ("ts", "2020-01-01T00:00:00.000000+00:00"), ("purpose", "repair"),
])
def test_changed_entry_detected(rt, column, value):
    _fill(rt)
    bad = _entry_id(rt, "c1", 3)
    with rt.uow() as uow:
        uow.conn.execute(update(audit_log).where(audit_log.c.id == bad).values({column: value}))
        uow.commit()
    result = _verify(rt)
    assert not result.ok
    assert (result.first_bad.chain, result.first_bad.seq) == ("c1", 3)
    assert result.first_bad.entry_id == bad


def test_deleted_entry_detected(rt):
    _fill(rt)
    with rt.uow() as uow:
        uow.conn.execute(delete(audit_log).where(audit_log.c.chain == "c1",
                                                 audit_log.c.seq == 2))
        uow.commit()
    result = _verify(rt)
    assert not result.ok
    assert result.first_bad.chain == "c1" and "deleted" in result.first_bad.what


def test_reordered_entries_detected(rt):
    _fill(rt)
    a, b = _entry_id(rt, "c2", 2), _entry_id(rt, "c2", 4)
    with rt.uow() as uow:
        uow.conn.execute(update(audit_log).where(audit_log.c.id == a).values(seq=-1))
        uow.conn.execute(update(audit_log).where(audit_log.c.id == b).values(seq=2))
        uow.conn.execute(update(audit_log).where(audit_log.c.id == a).values(seq=4))
        uow.commit()
    result = _verify(rt)
    assert not result.ok
    assert (result.first_bad.chain, result.first_bad.seq) == ("c2", 2)


def test_truncated_tail_detected(rt):
    _fill(rt)
    with rt.uow() as uow:
        uow.conn.execute(delete(audit_log).where(audit_log.c.chain == "c2",
                                                 audit_log.c.seq == 5))
        uow.commit()
    result = _verify(rt)
    assert not result.ok and result.first_bad.chain == "c2" and "head" in result.first_bad.what


def test_rehashed_entry_breaks_next_link(rt):
    """An attacker who recomputes one entry's hash still breaks the following link."""
    from ownerguard.vault.audit import COLUMNS, entry_hash

    _fill(rt)
    bad = _entry_id(rt, "c1", 2)
    with rt.uow() as uow:
        row = uow.conn.execute(select(audit_log).where(audit_log.c.id == bad)).one()
        values = [getattr(row, c) for c in COLUMNS]
        values[COLUMNS.index("actor")] = "mallory"
        uow.conn.execute(update(audit_log).where(audit_log.c.id == bad).values(
            actor="mallory", hash=entry_hash(row.prev_hash, values)))
        uow.commit()
    result = _verify(rt)
    assert (result.first_bad.chain, result.first_bad.seq) == ("c1", 3)


def test_control_characters_refused(rt):
    with rt.uow() as uow, pytest.raises(AuditWriteFailed):
        rt.audit.append(uow.conn, "c1", "co", [AuditEvent(actor="a\x1fb", role="r",
                                                          action="x")])


def test_cli_verify_exit_codes(rt, home):
    from typer.testing import CliRunner

    from ownerguard.cli.main import app

    _fill(rt)
    ok = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["entries"] == 10
    with rt.uow() as uow:
        uow.conn.execute(update(audit_heads).where(audit_heads.c.chain == "c1")
                         .values(seq=99))
        uow.commit()
    bad = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["first_bad"]["chain"] == "c1"
