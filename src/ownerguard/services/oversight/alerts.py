"""The DPO's alert inbox: quota breaches, anomalies, emergency reveals awaiting review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ownerguard import clock
from ownerguard.errors import Invalid, NotFound
from ownerguard.i18n import label
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import alerts
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.alarms import raise_alarm
from ownerguard.vault.audit import AuditEvent, company_chain

# Kinds are named by the catalogue's ``alert.<kind>``.
RESOLUTIONS = ("justified", "unjustified", "false_positive")


class AlertInvalid(Invalid, ValueError):
    """A review that cannot be recorded as given (the API and the console catch ValueError)."""


class AlertNotFound(NotFound, LookupError):
    """No open alert of that id in the company (callers catch LookupError)."""


@dataclass(frozen=True)
class Alert:
    id: str
    kind: str
    severity: str
    actor: str
    subject: str
    detail: str
    created_at: datetime
    status: str
    reviewed_by: str | None
    resolution: str | None

    def kind_label(self, lang: str | None = None) -> str:
        return label("alert", self.kind, lang)

    @property
    def kind_zh(self) -> str:
        """The kind's label in the source language (the API's ``kind_zh``)."""
        return self.kind_label()


def raise_alert(rt: Runtime, uow: UnitOfWork, *, company_id: str, kind: str, severity: str,
                actor: str, subject: str = "", detail: str = "", note: str | None = None,
                dedupe: timedelta | None = None) -> str | None:
    """Open an alert unless the same (kind, actor) is already open within ``dedupe``."""
    return raise_alarm(uow.conn, rt.audit, rt.keys, company_id=company_id, kind=kind,
                       severity=severity, actor=actor, subject=subject, detail=detail,
                       note=note, dedupe=dedupe)


def list_alerts(uow: UnitOfWork, company_id: str, *, status: str | None = "open"
                ) -> list[Alert]:
    q = select(alerts).where(alerts.c.company_id == company_id)
    if status:
        q = q.where(alerts.c.status == status)
    return [Alert(r.id, r.kind, r.severity, r.actor, r.subject, r.detail,
                  clock.aware(r.created_at), r.status, r.reviewed_by, r.resolution)
            for r in uow.conn.execute(q.order_by(alerts.c.created_at.desc()).limit(500))]


def note(rt: Runtime, uow: UnitOfWork, ctx, alert_id: str) -> str | None:
    """The written reason of a break-glass alert, for the DPO reviewing it (through the gate,
    which audits the read)."""
    r = uow.conn.execute(select(alerts.c.note_ct, alerts.c.subject).where(
        alerts.c.id == alert_id, alerts.c.company_id == ctx.company_id)).first()
    if r is None or r.note_ct is None:
        return None
    return rt.gate.read_text(uow, ctx, table="alerts", column="note_ct", row_id=alert_id,
                             sealed=r.note_ct, reveal=True, subject=r.subject).text


def review(rt: Runtime, uow: UnitOfWork, *, company_id: str, alert_id: str, reviewer: str,
           resolution: str) -> None:
    if resolution not in RESOLUTIONS:
        raise AlertInvalid("bad_resolution", choices=", ".join(RESOLUTIONS))
    done = uow.conn.execute(update(alerts).where(
        alerts.c.id == alert_id, alerts.c.company_id == company_id,
        alerts.c.status == "open").values(status="reviewed", reviewed_by=reviewer,
                                          reviewed_at=clock.now(), resolution=resolution))
    if done.rowcount != 1:
        raise AlertNotFound("alert_not_found")
    rt.audit.append(uow.conn, company_chain(company_id), company_id, [AuditEvent(
        actor=reviewer, role="dpo", action="alert_review", outcome=resolution,
        reason=alert_id)])
