"""Jobs that keep promises without anyone remembering them: deadline reminders and overdue
alerts (L17), share expiry and agreement warnings (L19), signed audit checkpoints (L10) and the
daily retention purge (L14). Every context's periodic work is listed here, in one place: the
contexts themselves do not know there is a scheduler.

``serve`` runs them in a background thread; ``ownerguard jobs run`` runs them once (for cron
on deployments that prefer it). Every job is idempotent, so two processes that both run one —
many stateless app processes share one database — do no harm; on PostgreSQL a session-level
advisory lock still keeps them from running the same job at the same moment.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from ownerguard import clock
from ownerguard.services.lifecycle import checkpoints, retention
from ownerguard.services.owners import inquiries, rights
from ownerguard.services.runtime import Runtime
from ownerguard.services.sharing import partners, shares

log = logging.getLogger("ownerguard.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Runtime], dict]


def _deadlines(rt: Runtime) -> dict:
    today = clock.today()
    with rt.uow() as uow:
        out = {"inquiries": inquiries.sweep(rt, uow, today),
               "rights": rights.sweep(rt, uow, today)}
        uow.commit()
    return out


def _sharing(rt: Runtime) -> dict:
    with rt.uow() as uow:
        out = {"expired_shares": shares.sweep(rt, uow),
               "expiring_agreements": partners.sweep(rt, uow)}
        uow.commit()
    return out


def _checkpoint(rt: Runtime) -> dict:
    with rt.uow() as uow:
        made = checkpoints.maybe_create(rt, uow)
        uow.commit()
    return {"created": made is not None}


JOBS: list[Job] = [
    Job("deadlines", timedelta(hours=1), _deadlines),
    Job("sharing", timedelta(hours=1), _sharing),
    Job("checkpoint", timedelta(hours=1), _checkpoint),   # signs one a day; cheap otherwise
    Job("retention", timedelta(days=1), retention.job),
]


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"ownerguard-job|{name}".encode()).digest()[:8],
                          "big", signed=True)


def run_job(rt: Runtime, job: Job) -> dict | None:
    """Run one job unless another process is running it right now (PostgreSQL)."""
    if rt.engine.dialect.name != "postgresql":
        return job.run(rt)
    with rt.engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                            {"k": _lock_id(job.name)}).scalar():
            return None
        try:
            return job.run(rt)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_id(job.name)})
            conn.commit()


def run_once(rt: Runtime, names: list[str] | None = None) -> dict[str, dict | None]:
    out = {}
    for job in JOBS:
        if names and job.name not in names:
            continue
        out[job.name] = run_job(rt, job)
    return out


class Scheduler(threading.Thread):
    """Checks every ``tick`` which jobs are due and runs them, one at a time. A failing job is
    logged by name and exception type only (a message could carry a value) and retried at its
    next turn."""

    def __init__(self, rt: Runtime, *, tick: float = 60.0):
        super().__init__(name="ownerguard-scheduler", daemon=True)
        self.rt = rt
        self.tick = tick
        self.stop = threading.Event()
        self.last: dict[str, datetime] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            self.run_due()
            self.stop.wait(self.tick)

    def run_due(self) -> list[str]:
        ran = []
        for job in list(JOBS):
            now = clock.now()
            last = self.last.get(job.name)
            if last is not None and now - last < job.every:
                continue
            try:
                run_job(self.rt, job)
                ran.append(job.name)
            except Exception as exc:  # keep the thread alive; say which job, not what data
                log.error("job %s failed: %s", job.name, type(exc).__name__)
            self.last[job.name] = now
        return ran
