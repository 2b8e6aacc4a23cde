"""Retention run (L10, L14): find what each rule says is due, and purge it — or only count it.

Every category works in batches, one transaction per batch, and selects only what is still
there, so a run that is interrupted (kill -9, power loss) is finished by simply running again:
what was purged is not found again, and nothing is half-purged inside a committed batch.

Purging a person is two transactions per batch, on purpose:

1. crypto-shred (``services.persons.shred``): the key and digests go, the person is marked
   ``shredded`` and the shred ledger outside the database gets its line. The ledger confirms a
   shred by looking at the person's row when the connection is handed back, so the row must
   still exist at that commit;
2. delete every row about them — residencies, vehicles, consents, bindings, closed inquiries and
   their sealed letters, owner sessions — then the ``persons`` row itself. No tombstone: nothing
   keeps a foreign key to a purged person (``rights_requests`` is set to NULL and its sealed
   payload dropped), and the shred ledger keeps the pseudonymous id for restores.

A run killed between the two leaves a shredded person (unreadable, consistent); the next run
finishes the deletion. What stays, by design: the audit log (pseudonymous ids and codes; it must
keep verifying) and ``share_members`` provision records, kept ≥ 3 years after the share ended
(L10) and purged by the ``share_packages`` rule.

A person is held (not purged, counted as ``held``) while the law or an open case needs them:
state ``restricted`` (L14: keep, only store), an open inquiry or rights request, or an open
incident naming them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Row, and_, delete, func, not_, or_, select, update

from ownerguard import clock
from ownerguard.domain.retention import Rule, batch_size, rules_from_settings
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import (
    alerts,
    blind_index,
    consents,
    contact_bindings,
    exports,
    impact_assessments,
    incident_actions,
    incident_persons,
    incidents,
    inquiries,
    inquiry_events,
    login_attempts,
    notes,
    owner_otps,
    owner_sessions,
    person_keys,
    persons,
    residencies,
    rights_requests,
    share_canaries,
    share_members,
    shares,
    staff_sessions,
    vehicles,
    work_items,
)
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault import shred_ledger
from ownerguard.vault.audit import AuditEvent, company_chain, person_chains
from ownerguard.vault.policy import ALL_COMMUNITIES, AccessContext

ACTOR = "system:retention"
# Test hook: seconds to pause after each committed batch (and between shred and delete), so a
# test can kill the process mid-run. Unset in production.
PAUSE_ENV = "OWNERGUARD_TEST_BATCH_PAUSE"

Progress = Callable[[str, int, int], None]   # (category, done, total)


@dataclass
class CategoryResult:
    category: str
    days: int | None
    due: int = 0
    purged: int = 0
    held: int = 0
    note: str = ""


@dataclass
class RunResult:
    dry_run: bool
    today: str
    categories: dict[str, CategoryResult] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"dry_run": self.dry_run, "today": self.today,
                "categories": {k: asdict(v) for k, v in self.categories.items()}}


def _pause() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        time.sleep(float(seconds))


def _batches(items: Sequence, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _audit(rt: Runtime, uow: UnitOfWork, chain: str, company_id: str, category: str, *,
           actor: str, subject: str = "", fields: tuple[str, ...] = ()) -> None:
    rt.audit.append(uow.conn, chain, company_id, [AuditEvent(
        actor=actor, role="system", action="purge", subject=subject, fields=fields,
        purpose="retention", outcome="done", reason=category)])


# -- moved-out residents -------------------------------------------------------------------
def due_persons(uow: UnitOfWork, rule: Rule, today: date) -> tuple[list[str], int]:
    """(persons due for purge, persons due but held). Due: every residency has ended, the last
    one at least ``rule.days`` ago."""
    conn = uow.conn
    cutoff = today - timedelta(days=rule.days or 0)
    ended = (select(residencies.c.person_id)
             .group_by(residencies.c.person_id)
             .having(func.count(residencies.c.end_date) == func.count())
             .having(func.max(residencies.c.end_date) <= cutoff))
    rows = conn.execute(select(persons.c.id, persons.c.state)
                        .where(persons.c.id.in_(ended)).order_by(persons.c.id)).all()
    ids = [r.id for r in rows]
    held = {r.id for r in rows if r.state == "restricted"} | _open_cases(uow, ids)
    return [i for i in ids if i not in held], len(held)


def _open_cases(uow: UnitOfWork, ids: list[str]) -> set[str]:
    conn = uow.conn
    out: set[str] = set()
    for chunk in _batches(ids, 500):
        out |= {r[0] for r in conn.execute(select(inquiries.c.person_id).where(
            inquiries.c.person_id.in_(chunk), inquiries.c.closed_at.is_(None)))}
        out |= {r[0] for r in conn.execute(select(rights_requests.c.person_id).where(
            rights_requests.c.person_id.in_(chunk), rights_requests.c.status == "open"))}
        out |= {r[0] for r in conn.execute(
            select(incident_persons.c.person_id)
            .join(incidents, incidents.c.id == incident_persons.c.incident_id)
            .where(incident_persons.c.person_id.in_(chunk), incidents.c.closed_at.is_(None)))}
    return out


def _shred_batch(rt: Runtime, batch: list[str], actor: str) -> None:
    with rt.uow() as uow:
        for r in uow.conn.execute(select(persons.c.id, persons.c.company_id, persons.c.state)
                                  .where(persons.c.id.in_(batch))).all():
            if r.state == "shredded":
                continue          # shredded earlier (by hand, the ledger, or a killed run)
            ctx = AccessContext(actor=actor, role="system", company_id=r.company_id,
                                purpose="retention", scope=ALL_COMMUNITIES)
            shred_ledger.shred(rt, uow, ctx, r.id)
        uow.commit()


def _delete_batch(rt: Runtime, batch: list[str], actor: str, category: str) -> int:
    """Delete every row about the (already shredded) persons of ``batch``."""
    with rt.uow() as uow:
        conn = uow.conn
        rows = conn.execute(select(persons.c.id, persons.c.company_id).where(
            persons.c.id.in_(batch), persons.c.state == "shredded")).all()
        ids = [r.id for r in rows]
        if not ids:
            return 0
        companies = {r.id: r.company_id for r in rows}
        chains = {pid: (chain, companies[pid])
                  for pid, chain in person_chains(conn, companies).items()}
        # Closed inquiries: the owner's letters are personal data too (sealed notes).
        iq = [r.id for r in conn.execute(select(inquiries.c.id).where(
            inquiries.c.person_id.in_(ids)))]
        note_ids = set()
        if iq:
            note_ids |= {r[0] for r in conn.execute(select(inquiries.c.note_id).where(
                inquiries.c.id.in_(iq)))}
            note_ids |= {r[0] for r in conn.execute(select(inquiry_events.c.note_id).where(
                inquiry_events.c.inquiry_id.in_(iq), inquiry_events.c.note_id.is_not(None)))}
            conn.execute(delete(inquiry_events).where(inquiry_events.c.inquiry_id.in_(iq)))
            conn.execute(delete(inquiries).where(inquiries.c.id.in_(iq)))
            _delete_notes(conn, note_ids)
        for table in (blind_index, person_keys, vehicles, residencies, consents,
                      contact_bindings, incident_persons):
            conn.execute(delete(table).where(table.c.person_id.in_(ids)))
        # The request record stays (how it was answered, L17); whose it was and the sealed
        # proposed values do not.
        conn.execute(update(rights_requests).where(rights_requests.c.person_id.in_(ids))
                     .values(person_id=None, payload_ct=None))
        conn.execute(update(alerts).where(alerts.c.subject.in_(ids)).values(subject=""))
        for pid in ids:
            conn.execute(delete(owner_sessions).where(owner_sessions.c.persons.contains(pid)))
        conn.execute(delete(persons).where(persons.c.id.in_(ids)))
        for pid in ids:
            chain, company_id = chains[pid]
            _audit(rt, uow, chain, company_id, category, actor=actor, subject=pid)
        uow.commit()
    return len(ids)


def _note_refs():
    """Every column that points at a note: a note still referenced is not ours to delete."""
    return [inquiries.c.note_id, inquiry_events.c.note_id, rights_requests.c.note_id,
            rights_requests.c.reason_note_id, shares.c.decision_note_id,
            shares.c.deletion_note_id, impact_assessments.c.note_id, incidents.c.note_id,
            incidents.c.summary_note_id, incident_actions.c.note_id]


def _delete_notes(conn, note_ids) -> int:
    note_ids = [n for n in note_ids if n]
    if not note_ids:
        return 0
    cond = [notes.c.id.in_(note_ids)]
    for col in _note_refs():
        cond.append(not_(notes.c.id.in_(select(col).where(col.is_not(None)))))
    return conn.execute(delete(notes).where(and_(*cond))).rowcount or 0


def _moved_out(rt: Runtime, rule: Rule, today: date, dry_run: bool, actor: str, n: int,
               progress: Progress | None) -> CategoryResult:
    res = CategoryResult(rule.category, rule.days)
    with rt.uow(read_only=True) as uow:
        ids, res.held = due_persons(uow, rule, today)
    res.due = len(ids)
    if dry_run:
        return res
    for batch in _batches(ids, n):
        _shred_batch(rt, batch, actor)
        _pause()
        res.purged += _delete_batch(rt, batch, actor, rule.category)
        if progress:
            progress(rule.category, res.purged, res.due)
        _pause()
    return res


# -- work items ----------------------------------------------------------------------------
def _closed_items(uow: UnitOfWork, rule: Rule, now: datetime) -> Sequence[Row]:
    cutoff = now - timedelta(days=rule.days or 0)
    has_notes = select(notes.c.work_item_id).where(notes.c.work_item_id.is_not(None))
    has_bindings = select(contact_bindings.c.work_item_id)
    return uow.conn.execute(
        select(work_items.c.id, work_items.c.number, work_items.c.company_id,
               work_items.c.community_id)
        .where(work_items.c.status.in_(("done", "closed")), work_items.c.updated_at <= cutoff,
               or_(work_items.c.id.in_(has_notes), work_items.c.id.in_(has_bindings)))
        .order_by(work_items.c.id)).all()


def _work_items(rt, rule, now, dry_run, actor, n, progress) -> CategoryResult:
    res = CategoryResult(rule.category, rule.days)
    with rt.uow(read_only=True) as uow:
        items = _closed_items(uow, rule, now)
    res.due = len(items)
    if dry_run:
        return res
    for batch in _batches(items, n):
        with rt.uow() as uow:
            ids = [i.id for i in batch]
            note_ids = [r[0] for r in uow.conn.execute(select(notes.c.id).where(
                notes.c.work_item_id.in_(ids)))]
            _delete_notes(uow.conn, note_ids)
            uow.conn.execute(delete(contact_bindings).where(
                contact_bindings.c.work_item_id.in_(ids)))
            for i in batch:
                _audit(rt, uow, i.community_id, i.company_id, rule.category, actor=actor,
                       fields=(f"work_item:{i.number}",))
            uow.commit()
        res.purged += len(batch)
        if progress:
            progress(rule.category, res.purged, res.due)
        _pause()
    return res


# -- files: reject reports and exports -----------------------------------------------------
def _old_reports(rt: Runtime, rule: Rule, now: datetime) -> list[Path]:
    d = rt.settings.reports_dir
    if not d.exists():
        return []
    cutoff = (now - timedelta(days=rule.days or 0)).timestamp()
    return sorted(p for p in d.glob("rejects-*.csv") if p.stat().st_mtime <= cutoff)


def _reports(rt, rule, now, dry_run, actor, n, progress) -> CategoryResult:
    res = CategoryResult(rule.category, rule.days)
    files = _old_reports(rt, rule, now)
    res.due = len(files)
    if dry_run:
        return res
    for batch in _batches(files, n):
        # Audit first: a crash after this commit leaves a file the next run deletes (and audits
        # again); the other order could delete without any record.
        with rt.uow() as uow:
            _audit(rt, uow, "system", "", rule.category, actor=actor,
                   fields=tuple(f"report:{p.name}" for p in batch))
            uow.commit()
        for p in batch:
            p.unlink(missing_ok=True)
        res.purged += len(batch)
        if progress:
            progress(rule.category, res.purged, res.due)
        _pause()
    return res


def _old_exports(rt: Runtime, rule: Rule, now: datetime) -> list:
    cutoff = now - timedelta(days=rule.days or 0)
    d = rt.settings.home / "exports"
    with rt.uow(read_only=True) as uow:
        rows = uow.conn.execute(
            select(exports.c.number, exports.c.company_id)
            .where(func.coalesce(exports.c.decided_at, exports.c.created_at) <= cutoff)
            .order_by(exports.c.number)).all()
    return [(r, d / f"{r.number}.xlsx") for r in rows if (d / f"{r.number}.xlsx").exists()]


def _exports(rt, rule, now, dry_run, actor, n, progress) -> CategoryResult:
    res = CategoryResult(rule.category, rule.days)
    found = _old_exports(rt, rule, now)
    res.due = len(found)
    if dry_run:
        return res
    for batch in _batches(found, n):
        with rt.uow() as uow:      # the exports row stays: it is how a leak is traced (L24)
            for r, _ in batch:
                _audit(rt, uow, company_chain(r.company_id), r.company_id, rule.category,
                       actor=actor, fields=(f"export:{r.number}",))
            uow.commit()
        for _, path in batch:
            path.unlink(missing_ok=True)
        res.purged += len(batch)
        if progress:
            progress(rule.category, res.purged, res.due)
        _pause()
    return res


# -- share packages (provision records) ----------------------------------------------------
def _ended_shares(uow: UnitOfWork, rule: Rule, now: datetime) -> Sequence[Row]:
    cutoff = now - timedelta(days=rule.days or 0)
    ended = func.coalesce(shares.c.revoked_at, shares.c.expires_at)
    with_rows = or_(shares.c.id.in_(select(share_members.c.share_id)),
                    shares.c.id.in_(select(share_canaries.c.share_id)))
    return uow.conn.execute(select(shares.c.id, shares.c.number, shares.c.company_id)
                            .where(ended <= cutoff, with_rows).order_by(shares.c.id)).all()


def _shares(rt, rule, now, dry_run, actor, n, progress) -> CategoryResult:
    res = CategoryResult(rule.category, rule.days)
    with rt.uow(read_only=True) as uow:
        found = _ended_shares(uow, rule, now)
    res.due = len(found)
    if dry_run:
        return res
    for batch in _batches(found, n):
        with rt.uow() as uow:
            ids = [s.id for s in batch]
            uow.conn.execute(delete(share_members).where(share_members.c.share_id.in_(ids)))
            uow.conn.execute(delete(share_canaries).where(share_canaries.c.share_id.in_(ids)))
            for s in batch:
                _audit(rt, uow, company_chain(s.company_id), s.company_id, rule.category,
                       actor=actor, fields=(f"share:{s.number}",))
            uow.commit()
        res.purged += len(batch)
        if progress:
            progress(rule.category, res.purged, res.due)
        _pause()
    return res


# -- security logs -------------------------------------------------------------------------
def _security_tables(cutoff: datetime):
    """(table, primary key column, condition) of each security log."""
    return [
        (owner_otps, owner_otps.c.id, owner_otps.c.created_at <= cutoff),
        (login_attempts, login_attempts.c.id, login_attempts.c.at <= cutoff),
        # Sessions: only expired ones (API keys without expiry are credentials, not logs).
        (staff_sessions, staff_sessions.c.token_hash,
         and_(staff_sessions.c.expires_at.is_not(None), staff_sessions.c.expires_at <= cutoff)),
        (owner_sessions, owner_sessions.c.token_hash, owner_sessions.c.expires_at <= cutoff),
    ]


def _security(rt, rule, now, dry_run, actor, n, progress) -> CategoryResult:
    res = CategoryResult(rule.category, rule.days)
    cutoff = now - timedelta(days=rule.days or 0)
    with rt.uow(read_only=True) as uow:
        res.due = sum(uow.conn.execute(select(func.count()).select_from(t).where(c)).scalar_one()
                      for t, _, c in _security_tables(cutoff))
    if dry_run:
        return res
    for table, pk, cond in _security_tables(cutoff):
        while True:
            with rt.uow() as uow:
                keys = [r[0] for r in uow.conn.execute(select(pk).where(cond).limit(n))]
                if not keys:
                    break
                uow.conn.execute(delete(table).where(pk.in_(keys)))
                _audit(rt, uow, "system", "", rule.category, actor=actor,
                       fields=(table.name, f"rows:{len(keys)}"))
                uow.commit()
            res.purged += len(keys)
            if progress:
                progress(rule.category, res.purged, res.due)
            _pause()
    return res


def _not_implemented(rt, rule, now, dry_run, actor, n, progress) -> CategoryResult:
    return CategoryResult(rule.category, rule.days, note="no_table")


def _never(rt, rule, now, dry_run, actor, n, progress) -> CategoryResult:
    return CategoryResult(rule.category, rule.days, note="never_deleted")


_HANDLERS = {
    "work_items": _work_items,
    "door_vehicle_logs": _not_implemented,
    "reject_reports": _reports,
    "exports": _exports,
    "share_packages": _shares,
    "security_logs": _security,
    "audit_log": _never,
}


def run(rt: Runtime, *, dry_run: bool = False, actor: str = ACTOR,
        now: datetime | None = None, progress: Progress | None = None,
        categories: list[str] | None = None) -> RunResult:
    """Find and (unless ``dry_run``) purge everything due. Raises ``RetentionConfigError``
    for an unlawful or unknown ``[retention]`` setting before touching anything."""
    rules = rules_from_settings(rt.settings.retention)
    n = batch_size(rt.settings.retention)
    now = now or clock.now()
    today = clock.local_date(now)
    result = RunResult(dry_run, today.isoformat())
    for category, rule in rules.items():
        if categories and category not in categories:
            continue
        if category == "moved_out":
            result.categories[category] = _moved_out(rt, rule, today, dry_run, actor, n,
                                                     progress)
        else:
            result.categories[category] = _HANDLERS[category](rt, rule, now, dry_run, actor,
                                                              n, progress)
    return result


def plan(rt: Runtime, uow: UnitOfWork | None = None, now: datetime | None = None
         ) -> dict[str, int]:
    """What is due right now, per category (a dry run; for ``doctor`` and reports). ``uow`` is
    accepted for callers that hold one; the dry run opens its own read-only ones."""
    return {k: c.due for k, c in run(rt, dry_run=True, now=now).categories.items()}


def backlog(rt: Runtime, now: datetime | None = None) -> int:
    return sum(plan(rt, now=now).values())


# -- the daily job -------------------------------------------------------------------------
def job(rt: Runtime) -> dict:
    """The scheduler's daily run: counts per category (purged, held), no ids, no values."""
    result = run(rt)
    return {c.category: {"purged": c.purged, "held": c.held}
            for c in result.categories.values() if c.purged or c.held}
