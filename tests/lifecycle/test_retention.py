"""Retention rules and purge, move-out, per-person key rotation (issue 7 items 1–2; L10, L14)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import String, Text, func, insert, select, update
from typer.testing import CliRunner

from ownerguard import clock
from ownerguard.cli.main import app
from ownerguard.domain.retention import (
    DEFAULTS,
    RetentionConfigError,
    rules_from_settings,
)
from ownerguard.services.lifecycle import retention
from ownerguard.services.registry import move_out
from ownerguard.store.tables import (
    agreements,
    alerts,
    audit_log,
    consents,
    exports,
    metadata,
    notes,
    owner_otps,
    owner_sessions,
    partners,
    person_keys,
    persons,
    residencies,
    share_members,
    shares,
    vehicles,
    work_items,
)
from ownerguard.vault import rotation as key_rotation
from ownerguard.vault.audit_verify import verify
from ownerguard.vault.crypto import DecryptionFailed, open_sealed
from ownerguard.vault.keys import KeyFileInsecure
from ownerguard.vault.shred_ledger import ledger_path, read_ledger
from support.helpers import ctx, person_row, shows_refusal, store_rows

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)          # 12:00 in China
TODAY = date(2026, 11, 28)


def _household(rt):
    comp, comm, _ = store_rows(rt, [
        person_row(2, name="张建国", phone="13812345678", id_number="11010519491231002X",
                   number="101", plate="京A12345"),
        person_row(3, name="李秀英", phone="13912345678", id_number=None, number="102"),
    ])
    with rt.uow(read_only=True) as uow:
        rows = {r.person_id: r for r in uow.conn.execute(select(residencies))}
    by_room = {}
    with rt.uow(read_only=True) as uow:
        from ownerguard.store.tables import rooms
        for pid, r in rows.items():
            number = uow.conn.execute(select(rooms.c.number).where(
                rooms.c.id == r.room_id)).scalar_one()
            by_room[number] = (pid, r.id)
    return comp, comm, by_room["101"], by_room["102"]


def _dump(rt) -> dict:
    out = {}
    with rt.uow(read_only=True) as uow:
        for t in metadata.sorted_tables:
            out[t.name] = sorted(repr(tuple(r)) for r in uow.conn.execute(select(t)))
    return out


def _mentions(rt, pid: str) -> set[str]:
    """Tables (other than the audit log) with any text column holding ``pid``."""
    found = set()
    with rt.uow(read_only=True) as uow:
        for t in metadata.sorted_tables:
            if t.name == "audit_log":
                continue
            cols = [c for c in t.c if isinstance(c.type, (String, Text))]
            for c in cols:
                if uow.conn.execute(select(func.count()).select_from(t).where(
                        c.contains(pid))).scalar_one():
                    found.add(t.name)
    return found


def _move_out(rt, company_id, residency_id, on):
    with rt.uow() as uow:
        out = move_out.move_out(rt, uow, residency_id, company_id=company_id, actor="test:mgr",
                                role="manager", on=on)
        uow.commit()
    return out


def _share_with(rt, company_id, community_id, pid, *, ended: datetime) -> str:
    """A minimal ended share package naming ``pid`` (a provision record)."""
    now = clock.now()
    partner, agreement, share = (str(uuid.uuid4()) for _ in range(3))
    with rt.uow() as uow:
        c = uow.conn
        c.execute(insert(partners).values(id=partner, company_id=company_id, name=f"快递公司{partner[:4]}",
                                          kind="courier", relationship="provision",
                                          status="active", created_at=now, created_by="t"))
        c.execute(insert(agreements).values(
            id=agreement, company_id=company_id, partner_id=partner, purposes="parcel",
            fields="name", retention_days=30, deletion_duty="delete", signed_on=TODAY,
            expires_on=TODAY, document_sha256="0" * 64, created_at=now, created_by="t"))
        c.execute(insert(shares).values(
            id=share, number=f"SH-{share[:8]}", company_id=company_id, community_id=community_id,
            partner_id=partner, agreement_id=agreement, purpose="parcel", fields="name",
            clear_fields="", status="expired", requested_by="t", requested_at=ended,
            expires_at=ended, persons_count=1, canaries_count=0, downloads=1))
        c.execute(insert(share_members).values(share_id=share, person_id=pid, row_no=1))
        uow.commit()
    return share


# -- rules -------------------------------------------------------------------------------------
def test_rules_defaults_and_legal_minimums():
    rules = rules_from_settings({})
    assert rules["moved_out"].days == 3 * 365 and rules["reject_reports"].days == 30
    assert rules["audit_log"].days is None
    assert rules_from_settings({"moved_out_days": 1825})["moved_out"].days == 1825
    assert rules_from_settings({"security_logs_days": 365})["security_logs"].days == 365
    for bad, code, words in [({"security_logs_days": 90}, "retention_below_minimum", "法定最短"),
                             ({"share_packages_days": 365}, "retention_below_minimum",
                              "legal minimum"),
                             ({"audit_log_days": 10}, "retention_audit_never_deleted",
                              "never deleted"),
                             ({"visitors": 10}, "retention_unknown_setting", "unknown setting"),
                             ({"exports_days": -1}, "retention_not_days", "≥ 0")]:
        with pytest.raises(RetentionConfigError) as info:
            rules_from_settings(bad)
        assert info.value.code == code
        assert words in info.value.message("zh") + info.value.message("en")
    assert set(DEFAULTS) >= {"moved_out", "work_items", "door_vehicle_logs", "reject_reports",
                             "exports", "share_packages", "security_logs", "audit_log"}


def test_run_refuses_a_period_below_the_minimum(rt, home):
    (home / "settings.toml").write_text("[retention]\nsecurity_logs_days = 30\n")
    r = CliRunner().invoke(app, ["retention", "run", "--dry-run"])
    assert r.exit_code == 2
    assert "法定最短" in r.output or shows_refusal(r.output, "retention_below_minimum")


# -- dry run, purge ----------------------------------------------------------------------------
def test_dry_run_changes_nothing(rt):
    comp, _, (a, a_res), _ = _household(rt)
    _move_out(rt, comp.id, a_res, date(2022, 1, 1))
    before = _dump(rt)
    result = retention.run(rt, dry_run=True, now=NOW)
    assert result.categories["moved_out"].due == 1
    assert result.categories["moved_out"].purged == 0
    assert _dump(rt) == before


def test_purge_removes_every_trace_but_audit_and_provision_records(rt, home):
    comp, comm, (a, a_res), (b, _) = _household(rt)
    with rt.uow() as uow:
        c = uow.conn
        c.execute(insert(consents).values(
            id=str(uuid.uuid4()), company_id=comp.id, person_id=a, kind="purpose",
            target="parcel", granted=True, notice_version="1", actor="owner", at=NOW,
            receipt="0" * 64))
        c.execute(insert(owner_sessions).values(
            token_hash="1" * 64, phone_hash="2" * 64, persons=json.dumps([a, b]),
            created_at=NOW, last_seen_at=NOW, expires_at=NOW + timedelta(days=1), client="t"))
        c.execute(insert(alerts).values(
            id=str(uuid.uuid4()), company_id=comp.id, kind="quota", severity="low",
            actor="staff", subject=a, detail="reveals:30", created_at=NOW))
        uow.commit()
    _share_with(rt, comp.id, comm.id, a, ended=NOW - timedelta(days=10))
    with rt.uow() as uow:          # a read, so the audit log names the person before the purge
        rt.gate.read(uow, ctx(comp.id), [a], ["name", "phone"], reveal=["phone"])
        uow.commit()

    moved = _move_out(rt, comp.id, a_res, date(2023, 6, 1))
    assert moved.purge_due == date(2026, 5, 31)
    result = retention.run(rt, now=NOW)
    assert result.categories["moved_out"].purged == 1

    # Every trace gone but the pseudonymous audit entries and the provision record (L10).
    assert _mentions(rt, a) == {"share_members"}
    with rt.uow(read_only=True) as uow:
        actions = {r.action for r in uow.conn.execute(
            select(audit_log.c.action).where(audit_log.c.subject == a))}
        assert {"collect", "read", "move_out", "shred", "purge"} <= actions
        assert verify(uow.conn).ok
        # The other household is untouched and readable.
        view = rt.gate.read(uow, ctx(comp.id), [b], ["phone"], reveal=["phone"])[0]
        assert view.value("phone") == ["13912345678"]
        assert uow.conn.execute(select(owner_sessions)).first() is None   # it named a
    # The shred ledger outside the database remembers the shred (restores re-shred).
    with rt.uow(read_only=True) as uow:
        assert a in read_ledger(rt.master, ledger_path(home), uow.conn).done_persons()
    # A second run finds nothing more (resumable: purged items are not found again).
    again = retention.run(rt, now=NOW)
    assert again.categories["moved_out"].due == 0
    r = CliRunner().invoke(app, ["audit", "verify"])
    assert r.exit_code == 0, r.output


def test_provision_records_purged_three_years_after_the_share_ended(rt):
    comp, comm, (a, _), _ = _household(rt)
    old = _share_with(rt, comp.id, comm.id, a, ended=NOW - timedelta(days=3 * 365 + 1))
    recent = _share_with(rt, comp.id, comm.id, a, ended=NOW - timedelta(days=3 * 365 - 1))
    result = retention.run(rt, now=NOW, categories=["share_packages"])
    assert result.categories["share_packages"].purged == 1
    with rt.uow(read_only=True) as uow:
        left = {r.share_id for r in uow.conn.execute(select(share_members))}
        assert left == {recent}
        assert uow.conn.execute(select(shares.c.id).where(shares.c.id == old)).first()


def test_move_out_then_purge_only_after_the_period(rt):
    comp, _, (a, a_res), (b, b_res) = _household(rt)
    moved = _move_out(rt, comp.id, a_res, date(2023, 11, 28))
    due = moved.purge_due
    assert due == date(2023, 11, 28) + timedelta(days=3 * 365)
    day_before = datetime.combine(due - timedelta(days=1), datetime.min.time(), UTC) \
        + timedelta(hours=4)
    on_the_day = day_before + timedelta(days=1)
    assert retention.run(rt, now=day_before).categories["moved_out"].purged == 0
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(persons.c.id).where(persons.c.id == a)).first()
    assert retention.run(rt, now=on_the_day).categories["moved_out"].purged == 1
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(persons.c.id).where(persons.c.id == a)).first() is None
        assert uow.conn.execute(select(persons.c.id).where(persons.c.id == b)).first()


def test_move_out_with_another_home_schedules_nothing(rt):
    comp, _, _, _ = _household(rt)
    # The same person owns a second room.
    store_rows(rt, [person_row(2, name="张建国", phone="13812345678",
                               id_number="11010519491231002X", number="201")])
    with rt.uow(read_only=True) as uow:
        res = uow.conn.execute(select(residencies.c.id, residencies.c.person_id)).all()
    pid = [r.person_id for r in res if sum(x.person_id == r.person_id for x in res) == 2][0]
    mine = [r.id for r in res if r.person_id == pid]
    first = _move_out(rt, comp.id, mine[0], date(2020, 1, 1))
    assert first.purge_due is None
    assert retention.run(rt, now=NOW).categories["moved_out"].due == 0
    second = _move_out(rt, comp.id, mine[1], date(2021, 1, 1))
    assert second.purge_due == date(2021, 1, 1) + timedelta(days=3 * 365)
    with pytest.raises(move_out.MoveOutError):
        _move_out(rt, comp.id, mine[1], date(2021, 2, 1))     # already ended


def test_restricted_person_is_held_not_purged(rt):
    comp, _, (a, a_res), _ = _household(rt)
    _move_out(rt, comp.id, a_res, date(2020, 1, 1))
    with rt.uow() as uow:
        uow.conn.execute(update(persons).where(persons.c.id == a).values(state="restricted"))
        uow.commit()
    res = retention.run(rt, now=NOW).categories["moved_out"]
    assert (res.due, res.held, res.purged) == (0, 1, 0)


# -- files, work items, security logs --------------------------------------------------------
def test_reject_reports_and_export_files_deleted_after_their_period(rt, home):
    reports = home / "reports"
    old_report, new_report = reports / "rejects-old.csv", reports / "rejects-new.csv"
    for p in (old_report, new_report):
        p.write_text("row,column,reason\n")
    t_old = (NOW - timedelta(days=31)).timestamp()
    os.utime(old_report, (t_old, t_old))
    t_new = (NOW - timedelta(days=5)).timestamp()
    os.utime(new_report, (t_new, t_new))
    comp, _, _, _ = _household(rt)
    exp_dir = home / "exports"
    exp_dir.mkdir(exist_ok=True)
    for number, age in (("EX-OLD", 40), ("EX-NEW", 3)):
        with rt.uow() as uow:
            uow.conn.execute(insert(exports).values(
                id=str(uuid.uuid4()), number=number, company_id=comp.id, requester="a",
                purpose="record_keeping", fields="name", selection="{}", status="done",
                approver="b", decided_at=NOW - timedelta(days=age),
                created_at=NOW - timedelta(days=age)))
            uow.commit()
        (exp_dir / f"{number}.xlsx").write_bytes(b"x")

    dry = retention.run(rt, dry_run=True, now=NOW)
    assert dry.categories["reject_reports"].due == 1 and dry.categories["exports"].due == 1
    assert old_report.exists()
    result = retention.run(rt, now=NOW)
    assert result.categories["reject_reports"].purged == 1
    assert result.categories["exports"].purged == 1
    assert not old_report.exists() and new_report.exists()
    assert not (exp_dir / "EX-OLD.xlsx").exists() and (exp_dir / "EX-NEW.xlsx").exists()
    with rt.uow(read_only=True) as uow:   # the export record stays: it traces leaks (L24)
        assert uow.conn.execute(select(func.count()).select_from(exports)).scalar_one() == 2
        assert verify(uow.conn).ok


def test_closed_work_item_notes_and_old_security_logs(rt):
    from ownerguard.services.staff_access import freetext
    from ownerguard.services.staff_access import work_items as wi

    comp, comm, (a, a_res), _ = _household(rt)
    with rt.uow() as uow:
        room = uow.conn.execute(select(residencies.c.room_id).where(
            residencies.c.id == a_res)).scalar_one()
        item = wi.create(rt, uow, company_id=comp.id, room_id=room, kind="visit",
                         category="访客", actor="t")
        freetext.write_note(rt, uow, company_id=comp.id, author="t", role="guard",
                            kind="work_order_comment", text="访客已离开", community_id=comm.id,
                            work_item_id=item.id, work_item_number=item.number)
        uow.conn.execute(update(work_items).where(work_items.c.id == item.id).values(
            status="closed", updated_at=NOW - timedelta(days=400)))
        for age in (200, 10):
            uow.conn.execute(insert(owner_otps).values(
                id=str(uuid.uuid4()), phone_hash="p" * 64, code_hash="c" * 64, client="t",
                created_at=NOW - timedelta(days=age), expires_at=NOW - timedelta(days=age),
                tries=0, used=True))
        uow.commit()
    result = retention.run(rt, now=NOW)
    assert result.categories["work_items"].purged == 1
    assert result.categories["security_logs"].purged == 1
    assert result.categories["door_vehicle_logs"].note == "no_table"
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(func.count()).select_from(notes)).scalar_one() == 0
        assert uow.conn.execute(select(func.count()).select_from(work_items)).scalar_one() == 1
        assert uow.conn.execute(select(func.count()).select_from(owner_otps)).scalar_one() == 1


# -- CLI and API -------------------------------------------------------------------------------
def test_cli_move_out_rules_and_run(rt, home):
    comp, _, (a, _), _ = _household(rt)
    runner = CliRunner()
    r = runner.invoke(app, ["residents", "move-out", "--room", "1栋 1单元 101",
                            "--community", "翠湖苑", "--date", "2020-01-01", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["purge_due"] == "2022-12-31"
    r = runner.invoke(app, ["retention", "rules", "--json"])
    assert json.loads(r.output)["share_packages"]["minimum"] == 3 * 365
    r = runner.invoke(app, ["retention", "run", "--dry-run", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["categories"]["moved_out"]["due"] == 1
    r = runner.invoke(app, ["retention", "run"])
    assert r.exit_code == 0 and "moved_out" in r.output
    assert "张建国" not in r.output and a not in r.output
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(persons.c.id).where(persons.c.id == a)).first() is None
    r = runner.invoke(app, ["residents", "move-out", "--room", "9栋 101",
                            "--community", "翠湖苑"])
    assert r.exit_code == 2 and "没有找到该房屋" in r.output


def test_api_move_out_for_manager_and_steward_in_scope(rt):
    from support.staff_world import build_world

    w = build_world(rt)
    with rt.uow(read_only=True) as uow:
        res = {r.person_id: r.id for r in uow.conn.execute(select(residencies))}
    url = "/api/v1/residencies/{}/move-out"
    r = w.client.post(url.format(res[w.bob]), json={"date": "2025-01-01"}, headers=w.as_("steward"))
    assert r.status_code == 404                          # building 2: outside the scope
    r = w.client.post(url.format(res[w.alice]), json={}, headers=w.as_("technician"))
    assert r.status_code == 403
    r = w.client.post(url.format(res[w.alice]), json={"date": "2025-01-01"},
                      headers=w.as_("steward"))
    assert r.status_code == 200, r.text
    assert r.json()["purge_due"] == "2028-01-01" and r.json()["person_id"] == w.alice
    r = w.client.post(url.format(res[w.alice]), json={"date": "2025-01-02"},
                      headers=w.as_("manager"))
    assert r.status_code == 409


# -- per-person key rotation -------------------------------------------------------------------
def _read_all(rt, company_id, ids):
    with rt.uow() as uow:
        views = rt.gate.read(uow, ctx(company_id), ids, ["name", "phone", "plate"],
                             reveal=["name", "phone", "plate"])
        uow.commit()
    return {v.person_id: (v.value("name"), v.value("phone"), v.value("plate")) for v in views}


def test_person_rotation_reseals_everything_under_a_new_version(rt):
    comp, _, (a, _), (b, _) = _household(rt)
    before = _read_all(rt, comp.id, [a, b])
    with rt.uow(read_only=True) as uow:
        old_ct = uow.conn.execute(select(persons.c.name_ct).where(persons.c.id == a)).scalar()
        old_key = uow.conn.execute(select(person_keys).where(person_keys.c.person_id == a)).one()
    result = key_rotation.rotate_persons(rt, actor="t", batch=1)
    assert (result.key_version, result.persons) == (2, 2)
    assert _read_all(rt, comp.id, [a, b]) == before
    with rt.uow(read_only=True) as uow:
        p = uow.conn.execute(select(persons).where(persons.c.id == a)).one()
        car = uow.conn.execute(select(vehicles).where(vehicles.c.person_id == a)).one()
        k = uow.conn.execute(select(person_keys).where(person_keys.c.person_id == a)).one()
        assert p.key_version == car.key_version == k.key_version == 2
        assert p.name_ct != old_ct
        # The old key no longer opens anything; the new ciphertext does not pass as version 1.
        old = rt.keys.unwrap_person_key(old_key).aead
        with pytest.raises(DecryptionFailed):
            open_sealed(old, "persons", "name_ct", a, 2, p.name_ct)
        with pytest.raises(DecryptionFailed):
            open_sealed(rt.keys.unwrap_person_key(k).aead, "persons", "name_ct", a, 1, p.name_ct)
        assert verify(uow.conn).ok
    with pytest.raises(key_rotation.NothingToResume):
        key_rotation.rotate_persons(rt, actor="t", resume=True)


def test_person_rotation_resumes_after_an_interruption(rt):
    comp, _, (a, _), (b, _) = _household(rt)
    before = _read_all(rt, comp.id, [a, b])

    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        key_rotation.rotate_persons(rt, actor="t", batch=1, progress=stop)
    assert key_rotation.pending_persons(rt, 2) == 1
    assert _read_all(rt, comp.id, [a, b]) == before      # one old, one new: both readable
    r = CliRunner().invoke(app, ["keys", "rotate-persons", "--resume"])
    assert r.exit_code == 0, r.output
    assert key_rotation.pending_persons(rt, 2) == 0
    assert _read_all(rt, comp.id, [a, b]) == before


def test_rotations_refuse_a_world_readable_key_file(rt, home):
    _household(rt)
    os.chmod(home / "master.key", 0o644)
    try:
        with pytest.raises(KeyFileInsecure):
            key_rotation.rotate_persons(rt, actor="t")
        with pytest.raises(KeyFileInsecure):
            key_rotation.rotate(rt, actor="t")
        r = CliRunner().invoke(app, ["keys", "rotate-persons"])
        assert r.exit_code == 2
    finally:
        os.chmod(home / "master.key", 0o600)
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(func.max(person_keys.c.key_version))).scalar() == 1


def test_daily_job_is_registered():
    from ownerguard.services.jobs import JOBS

    job = {j.name: j for j in JOBS}["retention"]
    assert job.every == timedelta(days=1)
