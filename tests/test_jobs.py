"""The periodic jobs: each runs once per period, a failing job neither stops the others nor
leaks its message, and `ownerguard jobs run` runs them all once (L17 reminders, share expiry)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from ownerguard.cli.main import app
from ownerguard.services import jobs as scheduler

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres


def test_run_once_runs_every_job(rt):
    out = scheduler.run_once(rt)
    assert set(out) >= {"deadlines", "sharing", "checkpoint"}
    assert out["deadlines"] == {"inquiries": {"reminded": 0, "overdue": 0},
                                "rights": out["deadlines"]["rights"]}
    assert out["sharing"] == {"expired_shares": 0, "expiring_agreements": 0}


def test_jobs_run_cli(home):
    result = CliRunner().invoke(app, ["jobs", "run", "--only", "sharing"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"sharing": {"expired_shares": 0,
                                                      "expiring_agreements": 0}}


def test_scheduler_runs_each_job_once_per_period_and_survives_failures(rt, monkeypatch, caplog):
    calls = []

    def ok(_rt):
        calls.append("ok")
        return {}

    def boom(_rt):
        calls.append("boom")
        raise RuntimeError("13812345678 must never be logged")

    monkeypatch.setattr(scheduler, "JOBS", [scheduler.Job("boom", timedelta(hours=1), boom),
                                            scheduler.Job("ok", timedelta(hours=1), ok)])
    s = scheduler.Scheduler(rt, tick=0.01)
    with caplog.at_level(logging.ERROR, logger="ownerguard.scheduler"):
        assert s.run_due() == ["ok"]
    assert calls == ["boom", "ok"]
    assert s.run_due() == [] and calls == ["boom", "ok"]        # not due again yet
    assert "13812345678" not in caplog.text and "RuntimeError" in caplog.text
    s.last = {k: v - timedelta(hours=2) for k, v in s.last.items()}
    assert s.run_due() == ["ok"]
