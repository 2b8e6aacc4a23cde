"""The audit log: append-only, hash-chained, one chain per community.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical encoding of the entry
(every column but ``id`` and the hashes, in a fixed order, joined by U+001F; see ``entry_hash``). Changing, deleting
or reordering any entry breaks the chain from there on; ``verify`` names the first bad entry.
Truncating the tail is caught against ``audit_heads``; rewriting the whole tail *and* the head
needs the signed checkpoints kept by the owners' committee.

One chain per community: appends lock only that community's head row, so a company with
thousands of communities does not serialise every read on one lock. Entries never carry
personal values — only pseudonymous person ids, field names and codes — so they survive
crypto-shredding and still verify.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, select, update

from ownerguard import clock
from ownerguard.errors import Unavailable
from ownerguard.store.bulk import bulk_insert
from ownerguard.store.tables import audit_heads, audit_log, residencies

SEP = "\x1f"
GENESIS_PREFIX = "ownerguard-audit-genesis|"
# Entry columns in hashing order.
COLUMNS = ("chain", "seq", "ts", "company_id", "actor", "role", "action", "subject", "fields",
           "purpose", "work_item", "outcome", "reason", "client")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


_HEAD = select(audit_heads.c.seq, audit_heads.c.hash).where(
    audit_heads.c.chain == bindparam("chain"))
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_HEAD_UPDATE = update(audit_heads).where(audit_heads.c.chain == bindparam("c")).values(
    seq=bindparam("s"), hash=bindparam("h"))


class AuditWriteFailed(Unavailable):
    """The audit entry could not be written; the operation it records must not go ahead
    (code ``audit_unavailable``; ``cause`` says why, as a code)."""


@dataclass(frozen=True)
class AuditEvent:
    actor: str
    role: str
    action: str
    subject: str = ""
    fields: tuple[str, ...] = ()
    purpose: str = ""
    work_item: str = ""
    outcome: str = ""
    reason: str = ""
    client: str = ""


def genesis_hash(chain: str) -> str:
    return hashlib.sha256((GENESIS_PREFIX + chain).encode()).hexdigest()


def entry_hash(prev_hash: str, values: Sequence[object]) -> str:
    """SHA-256 over ``prev_hash`` (hex) and the entry's ``values`` in ``COLUMNS`` order, all
    joined by U+001F. Every value is text except ``seq``, written in decimal."""
    body = SEP.join((prev_hash, *(str(v) for v in values)))
    return hashlib.sha256(body.encode()).hexdigest()


def now_iso() -> str:
    return clock.iso(clock.now())


def _check(event: AuditEvent) -> None:
    # Codes and ids only: a control character would make the encoding ambiguous, and free text
    # is where personal values sneak in.
    if _CONTROL.search("".join((event.actor, event.role, event.action, event.subject,
                                event.purpose, event.work_item, event.outcome, event.reason,
                                event.client, *event.fields))):
        raise AuditWriteFailed("audit_unavailable", cause="control_character")
    if any("," in f for f in event.fields):
        raise AuditWriteFailed("audit_unavailable", cause="field_separator")


class AuditLog:
    def record(self, conn: Connection, company_id: str, *, actor: str, role: str, action: str,
               reason: str = "", outcome: str = "", subject: str = "") -> None:
        """One event on the company's own chain — for acts that concern the company rather
        than a community (partners, shares, incidents). ``outcome`` is a short code."""
        self.append(conn, company_chain(company_id), company_id, [AuditEvent(
            actor=actor, role=role, action=action, subject=subject, outcome=outcome[:20],
            reason=reason[:200])])

    def append(self, conn: Connection, chain: str, company_id: str,
               events: Iterable[AuditEvent]) -> list[int]:
        """Append ``events`` to ``chain`` in the caller's transaction; returns their seqs.

        Any failure raises ``AuditWriteFailed``; the caller's transaction must then roll back.
        """
        events = list(events)
        if not events:
            return []
        for e in events:
            _check(e)
        try:
            seq, prev = self._lock_head(conn, chain)
            ts = now_iso()
            rows = []
            for e in events:
                seq += 1
                values = (chain, seq, ts, company_id, e.actor, e.role, e.action, e.subject,
                          ",".join(e.fields), e.purpose, e.work_item, e.outcome, e.reason,
                          e.client)
                h = entry_hash(prev, values)
                row = dict(zip(COLUMNS, values))
                row["prev_hash"], row["hash"] = prev, h
                rows.append(row)
                prev = h
            bulk_insert(conn, audit_log, rows)
            conn.execute(_HEAD_UPDATE, {"c": chain, "s": seq, "h": prev})
        except AuditWriteFailed:
            raise
        except Exception as exc:  # the database refused: the read it records must fail too
            raise AuditWriteFailed("audit_unavailable", cause=type(exc).__name__) from exc
        return [int(str(r["seq"])) for r in rows]

    def _lock_head(self, conn: Connection, chain: str) -> tuple[int, str]:
        # FOR UPDATE on PostgreSQL serialises appends to this chain only; SQLite's write lock
        # (BEGIN IMMEDIATE) already serialises every writer.
        q = _HEAD_FOR_UPDATE if conn.dialect.name == "postgresql" else _HEAD
        head = conn.execute(q, {"chain": chain}).first()
        if head is None:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert
                conn.execute(pg_insert(audit_heads).values(
                    chain=chain, seq=0, hash=genesis_hash(chain)).on_conflict_do_nothing())
            else:
                conn.execute(insert(audit_heads).values(chain=chain, seq=0,
                                                        hash=genesis_hash(chain)))
            head = conn.execute(q, {"chain": chain}).first()
        assert head is not None
        return head.seq, head.hash


def company_chain(company_id: str) -> str:
    """The chain of events that belong to a company rather than one of its communities."""
    return f"company:{company_id}"


def person_chains(conn: Connection, companies: Mapping[str, str]) -> dict[str, str]:
    """person id → the chain their events go to: their first community (by id), else their
    company's chain. ``companies`` maps each person id to their company id."""
    ids = sorted(companies)
    first: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        for r in conn.execute(select(residencies.c.person_id, residencies.c.community_id)
                              .where(residencies.c.person_id.in_(ids[start:start + 500]))
                              .order_by(residencies.c.community_id)):
            first.setdefault(r.person_id, r.community_id)
    return {pid: first.get(pid) or company_chain(companies[pid]) for pid in ids}
