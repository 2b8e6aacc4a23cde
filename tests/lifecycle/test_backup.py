"""Backups (create, verify, restore) and the shred ledger that keeps shredded persons shredded
after an older copy of the database comes back (L14 deletion)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import stat
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from ownerguard.cli.main import app
from ownerguard.services.lifecycle.backup import describe
from ownerguard.services.registry import persons as svc
from ownerguard.services.runtime import open_runtime
from ownerguard.store.tables import (
    audit_log,
    blind_index,
    person_keys,
    persons,
    system_keys,
)
from ownerguard.vault import shred_ledger
from ownerguard.vault.audit_verify import verify
from ownerguard.vault.policy import Outcome
from support.helpers import ZHANG, ctx, person_row, shows_refusal, store_rows

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

runner = CliRunner()


def _cli(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def world(rt):
    comp, comm, _ = store_rows(rt, [
        person_row(),
        person_row(3, name="李四", phone="13900005678", id_number=None, number="102"),
    ])
    with rt.uow() as uow:
        zhang = svc.search(rt, uow, ctx(comp.id), svc.SearchTerm("phone", ZHANG["phone"]))[0]
        uow.commit()
    return comp, zhang


def _create(tmp_path: Path, name: str = "b.tar") -> Path:
    out = tmp_path / name
    r = _cli("backup", "create", "--out", str(out))
    assert r.exit_code == 0, r.output
    return out


def _shred(rt, comp, pid, *, commit: bool = True) -> None:
    with rt.uow() as uow:
        shred_ledger.shred(rt, uow, ctx(comp.id, purpose="rights_request"), pid)
        if commit:
            uow.commit()


def _read(rt, comp, pid):
    with rt.uow() as uow:
        view = rt.gate.read(uow, ctx(comp.id), [pid], ["name", "phone"], reveal=["phone"])[0]
        uow.commit()
    return view


def _counts(rt) -> dict:
    with rt.engine.connect() as conn:
        return describe(conn)["row_counts"]


def _key_of(rt, pid):
    with rt.uow(read_only=True) as uow:
        return uow.conn.execute(select(person_keys).where(person_keys.c.person_id == pid)).first()


def _rewrite_member(archive: Path, name: str, change) -> None:
    """Rewrite one member of the archive in place (what an attacker or bit rot would do)."""
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(archive, "w") as tar:
        for m, data in members:
            if m.name == name:
                data = change(data)
                m.size = len(data)
            tar.addfile(m, io.BytesIO(data))


# -- create / verify / restore -------------------------------------------------------------------
def test_round_trip(rt, world, home, tmp_path):
    archive = _create(tmp_path)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert "master.key" not in " ".join(names) and "settings.toml" in names
    assert manifest["master_key_included"] is False and "no recovery" in manifest["note"]
    assert manifest["row_counts"]["persons"] == 2 and manifest["master_key_versions"] == [1]
    assert set(manifest["members"]) == names - {"manifest.json"}

    r = _cli("backup", "verify", str(archive), "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["ok"] and report["audit"]["entries"] > 0 and report["missing_key_versions"] == []

    before = _counts(rt)
    store_rows(rt, [person_row(4, name="王五", phone="13700001111", id_number=None,
                               number="103")])
    assert _counts(rt)["persons"] == 3

    refused = _cli("backup", "restore", str(archive))
    assert refused.exit_code != 0
    assert "--yes" in refused.output or shows_refusal(refused.output, "restore_needs_confirmation")
    assert _counts(rt)["persons"] == 3          # nothing changed

    r = _cli("backup", "restore", str(archive), "--yes")
    assert r.exit_code == 0, r.output
    rt.engine.dispose()
    after = _counts(rt)
    # The snapshot equals the restored data; only the audit log grew (backup_create, restore).
    for table in set(before) | set(after):
        if table not in ("audit_log", "audit_heads"):
            assert after.get(table) == manifest["row_counts"].get(table), table
    assert after["audit_log"] == manifest["row_counts"]["audit_log"] + 1
    assert _cli("audit", "verify").exit_code == 0
    with rt.uow(read_only=True) as uow:
        actions = [r.action for r in uow.conn.execute(select(audit_log.c.action))]
    assert "backup_restore" in actions
    comp, zhang = world
    assert _read(rt, comp, zhang).fields["phone"].value == [ZHANG["phone"]]


def test_archive_holds_no_plaintext(rt, world, tmp_path):
    data = _create(tmp_path).read_bytes()
    for value in (ZHANG["name"], ZHANG["phone"], ZHANG["id_number"], "李四", "13900005678"):
        assert value.encode() not in data, value
    assert len(data) > 10_000        # the dump is really in there, uncompressed


def test_tampered_member_is_named(rt, world, tmp_path):
    archive = _create(tmp_path)
    member = next(n for n in json.loads(tarfile.open(archive).extractfile(
        "manifest.json").read())["members"] if n.startswith("database/"))
    _rewrite_member(archive, member, lambda d: d[:5000] + bytes([d[5000] ^ 1]) + d[5001:])
    r = _cli("backup", "verify", str(archive), "--json")
    assert r.exit_code == 1
    findings = json.loads(r.stdout)["findings"]
    assert findings[0]["code"] == "member_hash" and findings[0]["member"] == member
    plain = _cli("backup", "verify", str(archive))
    assert plain.exit_code == 1 and member in plain.output

    restore = _cli("backup", "restore", str(archive), "--yes")
    assert restore.exit_code != 0
    assert member in restore.output or shows_refusal(restore.output, "backup_does_not_verify")


def test_edited_manifest_is_detected(rt, world, tmp_path):
    archive = _create(tmp_path)

    def edit(data: bytes) -> bytes:
        doc = json.loads(data)
        doc["row_counts"]["persons"] = 1
        return json.dumps(doc).encode()

    _rewrite_member(archive, "manifest.json", edit)
    r = _cli("backup", "verify", str(archive), "--json")
    assert r.exit_code == 1
    assert [f["code"] for f in json.loads(r.stdout)["findings"]][0] == "manifest_changed"


def test_verify_reports_a_missing_master_key_version(rt, world, home, tmp_path):
    from ownerguard.vault.rotation import rotate

    rotate(rt, actor="test")                     # company keys now under version 2
    archive = _create(tmp_path)
    key_file = home / "master.key"
    doc = json.loads(key_file.read_text())
    doc["keys"].pop("2")
    doc["current"] = 1
    key_file.write_text(json.dumps(doc))        # a home that only has version 1
    r = _cli("backup", "verify", str(archive), "--json")
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert report["missing_key_versions"] == [2]
    assert "master_key_missing" in {f["code"] for f in report["findings"]}
    assert "2" in _cli("backup", "verify", str(archive)).output


def test_verify_with_another_master_key(rt, world, home, tmp_path, monkeypatch):
    from ownerguard.vault.keys import generate_env_key

    archive = _create(tmp_path)
    monkeypatch.setenv("OWNERGUARD_MASTER_KEY", generate_env_key())
    r = _cli("backup", "verify", str(archive), "--json")
    assert r.exit_code == 1
    assert "master_key_wrong" in {f["code"] for f in json.loads(r.stdout)["findings"]}


# -- the shred ledger ----------------------------------------------------------------------------
def test_deletion_survives_restoring_an_older_backup(rt, world, home, tmp_path):
    """L14 (deletion, PIPL 47) acceptance: a person deleted after a backup was taken stays
    unreadable when that older backup is restored — the shred ledger shreds them again."""
    comp, zhang = world
    archive = _create(tmp_path)                  # still holds Zhang's wrapped key
    _shred(rt, comp, zhang)
    r = _cli("backup", "restore", str(archive), "--yes")
    assert r.exit_code == 0, r.output
    rt.engine.dispose()

    view = _read(rt, comp, zhang)
    assert all(s.outcome is Outcome.DENIED and s.reason == "shredded" and s.value is None
               for s in view.fields.values())
    assert _key_of(rt, zhang) is None
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(blind_index).where(
            blind_index.c.person_id == zhang)).first() is None
        entry = uow.conn.execute(select(audit_log).where(
            audit_log.c.reason == "shred_ledger")).one()
        assert entry.subject == zhang and entry.action == "shred"
        assert verify(uow.conn).ok
    with rt.uow() as uow:
        assert svc.search(rt, uow, ctx(comp.id), svc.SearchTerm("phone", ZHANG["phone"])) == []
    assert _key_of(rt, _find(rt, comp, "13900005678")) is not None   # the other one is kept
    # The ledger holds ids, never values.
    text = shred_ledger.ledger_path(home).read_text()
    assert ZHANG["name"] not in text and ZHANG["phone"] not in text and zhang in text
    assert stat.S_IMODE(shred_ledger.ledger_path(home).stat().st_mode) == 0o600


def test_rolled_back_shred_is_not_applied(rt, world, home):
    comp, zhang = world
    _shred(rt, comp, zhang, commit=False)       # rolled back
    kinds = [json.loads(line)["type"] for line in
             shred_ledger.ledger_path(home).read_text().splitlines()]
    assert kinds == ["header", "intent", "void"]
    with rt.uow() as uow:
        result = shred_ledger.apply(rt, uow.conn)
        uow.commit()
    assert result.shredded == [] and result.pending == 0
    assert _key_of(rt, zhang) is not None
    assert _read(rt, comp, zhang).fields["phone"].value == [ZHANG["phone"]]


def test_unconfirmed_intent_is_never_applied(rt, world, home):
    """A process that dies between writing the intent and knowing the outcome leaves the intent
    pending; it is confirmed only by a database that shows the shred, never applied blindly."""
    comp, zhang = world
    with rt.uow() as uow:
        shred_ledger.record_intent(rt, uow.conn, zhang, comp.id)
        uow.conn.info.pop(shred_ledger._INFO_KEY)     # as if the process died here
    with rt.uow() as uow:
        result = shred_ledger.apply(rt, uow.conn)
        uow.commit()
    assert result.shredded == [] and result.pending == 1
    assert _key_of(rt, zhang) is not None


def test_torn_last_line_from_a_crash_is_tolerated(rt, world, home):
    comp, zhang = world
    _shred(rt, comp, zhang)
    path = shred_ledger.ledger_path(home)
    with open(path, "ab") as f:
        f.write(b'{"type": "intent", "n": 3, "per')      # the write a crash interrupted
    assert shred_ledger.read_ledger(rt.master, path).lines == 2
    open_runtime(home).close()
    _shred(rt, comp, _find(rt, comp, "13900005678"))
    state = shred_ledger.read_ledger(rt.master, path)
    assert state.lines == 4 and len(state.done_persons()) == 2


def test_edited_ledger_line_is_detected(rt, world, home):
    comp, zhang = world
    _shred(rt, comp, zhang)
    path = shred_ledger.ledger_path(home)
    lines = path.read_text().splitlines()
    rec = json.loads(lines[1])
    rec["person"] = "00000000-0000-0000-0000-000000000000"
    lines[1] = json.dumps(rec, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(shred_ledger.ShredLedgerError) as info:
        shred_ledger.read_ledger(rt.master, path)
    assert (info.value.code, info.value.params) == ("ledger_line_changed", {"line": 2})
    assert "line 2 was changed" in info.value.message("en")
    with pytest.raises(shred_ledger.ShredLedgerError):
        open_runtime(home)                     # fail closed: no start over an edited ledger


def test_removed_or_truncated_ledger_lines_are_detected(rt, world, home):
    comp, zhang = world
    _shred(rt, comp, zhang)
    open_runtime(home).close()                  # the database records what it applied
    path = shred_ledger.ledger_path(home)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    with pytest.raises(shred_ledger.ShredLedgerError) as info:
        shred_ledger.read_ledger(rt.master, path)
    assert info.value.code == "ledger_line_reordered"
    path.write_text("\n".join(lines[:2]) + "\n")  # cut the "done" off the end
    with pytest.raises(shred_ledger.ShredLedgerError) as info:
        open_runtime(home)
    assert info.value.code == "ledger_behind_database"


def test_hand_copied_database_is_fixed_at_next_open(rt, world, home, backend, tmp_path):
    comp, zhang = world
    store_rows(rt, [person_row(5, name="赵六", phone="13600001234", id_number=None,
                               number="104")])
    _shred(rt, comp, _find(rt, comp, "13600001234"))   # a first shred: ledger and marker exist
    open_runtime(home).close()
    old = _snapshot(rt, backend, tmp_path)
    _shred(rt, comp, zhang)
    rt.close()
    _put_back(rt, backend, old)                 # an operator copies the old database back
    assert _key_of(rt, zhang) is not None       # the key is back in the database …
    rt.engine.dispose()
    fresh = open_runtime(home)                  # … until the next start
    try:
        assert _key_of(fresh, zhang) is None
        assert _read(fresh, comp, zhang).fields["name"].reason == "shredded"
        with fresh.uow(read_only=True) as uow:
            assert verify(uow.conn).ok
        assert shred_ledger.on_open(fresh) is None   # unchanged since: nothing read again
    finally:
        fresh.close()


def _find(rt, comp, phone):
    with rt.uow() as uow:
        ids = svc.search(rt, uow, ctx(comp.id), svc.SearchTerm("phone", phone))
        uow.commit()
    return ids[0]


def _snapshot(rt, backend, tmp_path):
    if backend == "sqlite":
        dest = tmp_path / "copy.db"
        src = sqlite3.connect(rt.settings.database_url.removeprefix("sqlite:///"))
        dst = sqlite3.connect(dest)
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        src.close()
        dst.close()
        return dest
    # PostgreSQL has no file to copy: keep the rows a copy would bring back.
    with rt.engine.connect() as conn:
        return {t: [r._asdict() for r in conn.execute(select(t))]
                for t in (person_keys, blind_index, system_keys, persons)}


def _put_back(rt, backend, old) -> None:
    if backend == "sqlite":
        live = Path(rt.settings.database_url.removeprefix("sqlite:///"))
        for suffix in ("-wal", "-shm"):
            Path(str(live) + suffix).unlink(missing_ok=True)
        shutil.copyfile(old, live)
        return
    with rt.engine.begin() as conn:
        for t in (system_keys, person_keys, blind_index):
            conn.execute(delete(t))
            if old[t]:
                conn.execute(insert(t), old[t])
        for p in old[persons]:
            conn.execute(update(persons).where(persons.c.id == p["id"]).values(state=p["state"]))


def test_backup_of_a_broken_audit_log_does_not_verify_or_restore(rt, world, tmp_path):
    with rt.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(actor="someone:else"))
    archive = _create(tmp_path)
    r = _cli("backup", "verify", str(archive), "--json")
    assert r.exit_code == 1
    assert "audit_broken" in {f["code"] for f in json.loads(r.stdout)["findings"]}
    assert _cli("backup", "restore", str(archive), "--yes").exit_code != 0


def test_restore_is_undone_when_the_restored_audit_log_fails(rt, world, tmp_path,
                                                                 monkeypatch):
    from ownerguard.services.lifecycle import backup
    from ownerguard.vault.audit_verify import Problem, VerifyResult

    archive = _create(tmp_path)
    store_rows(rt, [person_row(4, name="王五", phone="13700001111", id_number=None,
                               number="103")])
    calls = []

    def flaky(conn, **kw):       # the archive checks out; the restored database does not
        calls.append(1)
        if len(calls) == 1:
            return verify(conn, **kw)
        return VerifyResult(problems=[Problem("x", 1, 1, "simulated")])

    monkeypatch.setattr(backup, "verify_audit", flaky)
    r = _cli("backup", "restore", str(archive), "--yes")
    assert r.exit_code != 0
    assert "simulated" in r.output or shows_refusal(r.output, "restore_audit_broken")
    rt.engine.dispose()
    assert _counts(rt)["persons"] == 3          # the database from before the restore is back
    with rt.uow(read_only=True) as uow:
        assert verify(uow.conn).ok
