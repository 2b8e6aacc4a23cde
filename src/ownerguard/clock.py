"""Time, in one place: UTC instants for storage, China Standard Time for every date and hour
people see or the law counts in (working days, deadlines, "today", working hours, numbers like
WO-20261204-…).

Everything asks this module — never ``datetime.now()`` or ``date.today()``, which answer in
the machine's time zone and so gave a server in UTC yesterday's date between 00:00 and 08:00
Beijing time. The clock is injectable (``use``): tests pin it to a known instant, so no test
depends on the hour it runs at or on the machine's time zone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import overload

try:
    from zoneinfo import ZoneInfo

    LOCAL = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tz database on the machine; China has no DST
    LOCAL = timezone(timedelta(hours=8), "CST")  # type: ignore[assignment]


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class PinnedClock(Clock):
    """Starts at ``start`` and, unless ``ticking`` is false, moves on with real time — so
    durations measured inside a test (timeouts, expiries) still behave, while the date and the
    hour are the ones the test chose."""

    def __init__(self, start: datetime, *, ticking: bool = True):
        if start.tzinfo is None:
            raise ValueError("a pinned clock needs an aware datetime")
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()
        self._ticking = ticking
        self._shift = timedelta()

    def now(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._origin) if self._ticking \
            else timedelta()
        return self._start + elapsed + self._shift

    def advance(self, **delta: float) -> None:
        """Jump forward (``advance(days=16)``): the next ``now()`` is that much later."""
        self._shift += timedelta(**delta)


_current: Clock = Clock()


def now() -> datetime:
    """The current instant, UTC, aware."""
    return _current.now()


def local_now() -> datetime:
    """The current instant in Beijing time."""
    return _current.now().astimezone(LOCAL)


def today() -> date:
    """Today's date in Beijing — the date on every deadline, number and notice."""
    return local_now().date()


def local(value: datetime) -> datetime:
    """A stored instant (naive values are UTC, as SQLite hands them back) in Beijing time."""
    return aware(value).astimezone(LOCAL)


def local_date(value: datetime) -> date:
    return local(value).date()


def start_of_day(day: date) -> datetime:
    """00:00 Beijing time on ``day``, as an aware instant."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    """The audit log's timestamp format (sortable text, UTC)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def stamp() -> str:
    """``20261204`` — the Beijing date in document numbers (WO-, EX-, SH-, IQ-, RQ-, IN-)."""
    return f"{local_now():%Y%m%d}"


def current() -> Clock:
    return _current


def set_clock(clock: Clock) -> Clock:
    """Install ``clock``; returns the one it replaces."""
    global _current
    previous, _current = _current, clock
    return previous


@contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)
