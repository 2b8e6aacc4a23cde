"""Verifying the audit chains: recompute every hash, check links, sequence and heads.

Reads through the raw driver cursor in large batches: verification is meant to run over
millions of entries (``ownerguard audit verify``), and row objects would cost more than hashing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from ownerguard.store.tables import audit_heads
from ownerguard.vault.audit import COLUMNS, GENESIS_PREFIX, SEP


@dataclass
class Problem:
    chain: str
    seq: int
    entry_id: int | None
    what: str

    def __str__(self) -> str:
        where = f"entry id {self.entry_id}" if self.entry_id is not None else "head"
        return f"chain {self.chain} seq {self.seq} ({where}): {self.what}"


@dataclass
class VerifyResult:
    entries: int = 0
    chains: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> Problem:
        """The first problem found (only asked for when the log does not verify)."""
        if not self.problems:
            raise ValueError("the audit log verified: there is no bad entry")
        return self.problems[0]


def verify(conn: Connection, *, batch: int = 20_000, stop_at_first: bool = True) -> VerifyResult:
    result = VerifyResult()
    heads = {r.chain: (r.seq, r.hash) for r in conn.execute(select(audit_heads))}
    # seq comes back as text too, so the canonical body is one C-level join per entry.
    cols = ", ".join(("id", "seq", "prev_hash") + tuple(
        "CAST(seq AS VARCHAR(20)) AS seq_text" if c == "seq" else c for c in COLUMNS) + ("hash",))
    raw = conn.connection.driver_connection
    assert raw is not None
    # PostgreSQL: a named (server-side) cursor streams instead of loading the whole log.
    cur = raw.cursor(name="ownerguard_audit_verify") if conn.dialect.name == "postgresql" \
        else raw.cursor()
    cur.execute(f"SELECT {cols} FROM audit_log ORDER BY audit_log.chain, audit_log.seq")
    sha256, sep = hashlib.sha256, SEP
    chain = None
    expected_seq = 0
    prev = ""
    seen_chains: dict[str, tuple[int, str]] = {}

    def close_chain() -> None:
        if chain is not None:
            seen_chains[chain] = (expected_seq, prev)

    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            break
        # row: id, seq, prev_hash, chain, seq-as-text, ts, … (COLUMNS), hash
        for row in rows:
            if row[3] != chain:
                close_chain()
                chain = row[3]
                expected_seq = 0
                prev = hashlib.sha256((GENESIS_PREFIX + chain).encode()).hexdigest()
            expected_seq += 1
            seq = row[1]
            problem = None
            if seq != expected_seq:
                problem = (f"expected seq {expected_seq}, found {seq}: "
                           "an entry was deleted or the order changed")
            elif row[2] != prev:
                problem = "previous-hash link broken: an entry before it was changed or removed"
            elif sha256(sep.join(row[2:17]).encode()).hexdigest() != row[17]:
                problem = "hash does not match its content: the entry was changed"
            if problem:
                result.problems.append(Problem(str(chain), seq, row[0], problem))
                if stop_at_first:
                    cur.close()
                    result.entries += 1
                    return result
                # Resynchronise on the stored values to report later problems independently.
                expected_seq = seq
            prev = row[17]
            result.entries += 1
    close_chain()
    cur.close()
    for name, (seq, h) in sorted(heads.items()):
        last_seq, last_hash = seen_chains.get(name, (0, hashlib.sha256(
            (GENESIS_PREFIX + name).encode()).hexdigest()))
        if (seq, h) != (last_seq, last_hash):
            result.problems.append(Problem(
                name, last_seq + 1 if seq > last_seq else seq, None,
                f"head says seq {seq} but the chain ends at seq {last_seq}: "
                "entries at the end were removed or the head was changed"))
            if stop_at_first:
                break
    for name in sorted(set(seen_chains) - set(heads)):
        result.problems.append(Problem(name, 1, None, "chain has entries but no head"))
    result.chains = len(seen_chains)
    return result
