"""Anomaly detection on staff reads, run after every read in the same transaction.

Each detector reads the audit log (indexed by actor and time) and raises a deduplicated alert
for the DPO. Thresholds are module constants so a deployment can tune them in one place.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select

from ownerguard import clock
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import audit_log
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.alarms import raise_alarm
from ownerguard.vault.gate import PersonView
from ownerguard.vault.policy import AccessContext, Outcome

WORKING_HOURS = (7, 21)             # local time, [start, end)
WINDOW = timedelta(minutes=10)
MANY_PEOPLE = 50                    # distinct persons read by one actor within WINDOW
REPEATED_DENIALS = 10               # denied entries by one actor within WINDOW
DEDUPE = timedelta(hours=1)


def check(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, views: list[PersonView]) -> list[str]:
    """Run every detector; returns the kinds of alerts raised."""
    raised = []
    outcomes = [s for v in views for s in v.fields.values()]
    now = clock.now()
    local_hour = clock.local(now).hour
    since = clock.iso(now - WINDOW)

    def alert(kind: str, severity: str, detail: str, subject: str = "") -> None:
        if raise_alarm(uow.conn, rt.audit, rt.keys, company_id=ctx.company_id, kind=kind, severity=severity,
                       actor=ctx.actor, subject=subject, detail=detail, dedupe=DEDUPE):
            raised.append(kind)

    if any(s.outcome is Outcome.CLEAR for s in outcomes) and \
            not WORKING_HOURS[0] <= local_hour < WORKING_HOURS[1]:
        alert("off_hours", "medium", f"hour:{local_hour}")
    out_of_scope = [v.person_id for v in views
                    if any(s.reason in ("out_of_scope", "other_company")
                           for s in v.fields.values())]
    if out_of_scope:
        alert("out_of_scope", "high", f"persons:{len(out_of_scope)}", out_of_scope[0])
    if any(s.reason == "quota_exceeded" for s in outcomes):
        alert("quota", "high", f"role:{ctx.role}")
    # One pass over the actor's last ten minutes (index on actor, ts) for both detectors.
    read = audit_log.c.action.in_(("read", "reveal", "list"))
    distinct, denied = uow.conn.execute(select(
        func.count(func.distinct(case((read, audit_log.c.subject)))),
        func.count(case((audit_log.c.outcome == "denied", 1)))).where(
        audit_log.c.actor == ctx.actor, audit_log.c.ts >= since)).one()
    if distinct > MANY_PEOPLE:
        alert("many_people", "high", f"distinct:{distinct}")
    if denied >= REPEATED_DENIALS:
        alert("repeated_denials", "medium", f"denied:{denied}")
    return raised


def reveals_since(uow: UnitOfWork, actor: str, hour_ago, day_ago) -> tuple[int, int]:
    """Clear reveals by ``actor`` since each of the two times, in one query."""
    h, d = clock.iso(hour_ago), clock.iso(day_ago)
    hour, day = uow.conn.execute(select(
        func.count(case((audit_log.c.ts >= h, 1))), func.count()).where(
        audit_log.c.actor == actor, audit_log.c.ts >= d,
        audit_log.c.outcome == "clear")).one()
    return hour, day
