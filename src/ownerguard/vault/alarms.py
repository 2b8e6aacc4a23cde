"""Opening an alert for the DPO — the one writer of ``alerts`` rows.

The oversight services raise alerts for anomalies, quotas and break-glass reveals; the gate
raises one itself when a value does not decrypt where it is (``undecryptable``: moved between
rows or tampered with), whoever was reading. An alert holds codes and ids; a written note (the
reason for an emergency reveal) is sealed with the company key and read through the gate.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, insert, select

from ownerguard import clock
from ownerguard.domain.model import new_id
from ownerguard.store.tables import alerts
from ownerguard.vault.audit import AuditEvent, AuditLog, company_chain
from ownerguard.vault.datakeys import DataKeys
from ownerguard.vault.sealing import seal_company


def raise_alarm(conn: Connection, audit: AuditLog, keys: DataKeys, *, company_id: str,
                kind: str, severity: str, actor: str, subject: str = "", detail: str = "",
                note: str | None = None, dedupe: timedelta | None = None) -> str | None:
    """Open an alert unless the same (kind, actor) is already open within ``dedupe``; returns
    its id, or None when deduplicated. Written in the caller's transaction, audited."""
    now = clock.now()
    if dedupe is not None:
        seen = conn.execute(select(alerts.c.id).where(
            alerts.c.company_id == company_id, alerts.c.kind == kind, alerts.c.actor == actor,
            alerts.c.status == "open", alerts.c.created_at >= now - dedupe).limit(1)).first()
        if seen:
            return None
    aid = new_id()
    note_ct = seal_company(keys, conn, company_id, "alerts", "note_ct", aid, note) \
        if note else None
    conn.execute(insert(alerts).values(
        id=aid, company_id=company_id, kind=kind, severity=severity, actor=actor,
        subject=subject, detail=detail[:400], note_ct=note_ct, created_at=now, status="open"))
    audit.append(conn, company_chain(company_id), company_id, [AuditEvent(
        actor=actor, role="", action="alert", subject=subject, outcome=severity,
        reason=kind)])
    return aid
