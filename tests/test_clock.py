"""One clock, Beijing dates: the date people read is Beijing's whatever the machine's time zone
and whatever the hour. Between 16:00 and 24:00 UTC Beijing is already on the next day; the
suite used to compare against the machine's date and failed every evening (UTC)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from ownerguard import clock
from ownerguard.domain.deadlines import add_working_days
from support.owner_world import ALICE_PHONE, owner_token, world  # noqa: F401

EVENING_UTC = "2026-12-07T17:30:00+00:00"        # 01:30 on Tuesday 8 December in Beijing


def test_today_is_beijings_date(at):
    at(EVENING_UTC)
    assert clock.now().date() == date(2026, 12, 7)            # UTC
    assert clock.today() == date(2026, 12, 8)                 # Beijing
    assert clock.stamp() == "20261208"
    assert clock.local_now().hour == 1


def test_pinned_clock_ticks_and_advances():
    pinned = clock.PinnedClock(datetime(2026, 1, 1, tzinfo=UTC))
    first = pinned.now()
    time.sleep(0.01)
    assert pinned.now() > first
    pinned.advance(days=2)
    assert pinned.now() - first >= timedelta(days=2)
    frozen = clock.PinnedClock(datetime(2026, 1, 1, tzinfo=UTC), ticking=False)
    assert frozen.now() == frozen.now()
    with pytest.raises(ValueError):
        clock.PinnedClock(datetime(2026, 1, 1))


def test_naive_values_are_utc():
    stored = datetime(2026, 12, 7, 17, 30)          # as SQLite hands it back
    assert clock.local(stored).date() == date(2026, 12, 8)
    assert clock.start_of_day(date(2026, 12, 8)).astimezone(UTC) == \
        datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


@pytest.fixture
def evening(at):
    """Pinned before the world signs in, so its sessions are fresh at that hour."""
    at(EVENING_UTC)


def test_an_inquiry_filed_at_night_counts_from_beijings_day(evening, world):
    token = owner_token(world, ALICE_PHONE)
    r = world.client.post("/api/v1/me/inquiries", headers={"Authorization": f"Bearer {token}"},
                          json={"kind": "leak", "text": "夜里收到装修公司电话"})
    assert r.status_code in (200, 201), r.text
    item = r.json()
    assert item["number"].startswith("IQ-20261208-")
    assert item["due"] == add_working_days(date(2026, 12, 8)).due.isoformat()


def test_dates_do_not_follow_the_machines_time_zone(tmp_path):
    """The same instant gives the same Beijing date under any TZ the process starts with."""
    code = ("from datetime import datetime; from ownerguard import clock; "
            "clock.set_clock(clock.PinnedClock(datetime.fromisoformat('" + EVENING_UTC + "'))); "
            "print(clock.today(), clock.stamp())")
    seen = set()
    for tz in ("UTC", "Pacific/Honolulu", "Asia/Shanghai", "Pacific/Kiritimati"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**os.environ, "TZ": tz}, check=True).stdout.strip()
        seen.add(out)
    assert seen == {"2026-12-08 20261208"}
