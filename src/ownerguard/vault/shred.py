"""Crypto-shredding (invariant 4): delete the person's data key and every digest that could find
them. Their ciphertexts stay where they are — in the database and in every backup — but are
noise without the key. The audit chain is untouched: it never held a value, so it still verifies.

The one place that does it: a manual shred, the retention purge and the shred ledger's re-shred
of a restored database all call ``crypto_shred``. Whoever calls it first records the intent in
the shred ledger outside the database (``services.lifecycle.shred_ledger``), so no restored copy
can bring a key back.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, delete, update

from ownerguard.store.tables import blind_index, person_keys, persons
from ownerguard.vault.audit import AuditEvent, AuditLog, person_chains


def crypto_shred(conn: Connection, audit: AuditLog, companies: Mapping[str, str], *,
                 actor: str, role: str, reason: str, purpose: str = "",
                 client: str = "") -> None:
    """Shred every person in ``companies`` (person id → company id) in the caller's
    transaction, with one ``shred`` audit entry each on the person's chain."""
    ids = sorted(companies)
    chains = person_chains(conn, companies)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        conn.execute(delete(person_keys).where(person_keys.c.person_id.in_(chunk)))
        conn.execute(delete(blind_index).where(blind_index.c.person_id.in_(chunk)))
        conn.execute(update(persons).where(persons.c.id.in_(chunk)).values(state="shredded"))
    by_chain: dict[tuple[str, str], list[AuditEvent]] = {}
    for pid in ids:
        by_chain.setdefault((chains[pid], companies[pid]), []).append(AuditEvent(
            actor=actor, role=role, action="shred", subject=pid, purpose=purpose,
            outcome="done", reason=reason, client=client))
    for (chain, company_id), events in sorted(by_chain.items()):
        audit.append(conn, chain, company_id, events)
