"""Deadlines in working days, Chinese public holidays and adjusted working days (调休) counted
(L17: a timely answer; 15 working days by default, configurable).

``chinesecalendar`` carries the State Council's holiday schedule, published a year at a time.
For a year it does not know yet, Monday to Friday count as working days and the result says so,
so the deadline can be recomputed once the schedule is out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

DEFAULT_WORKING_DAYS = 15


@dataclass(frozen=True)
class Deadline:
    due: date
    estimated: bool      # True when a year's holiday schedule was not yet available


def is_working_day(day: date) -> tuple[bool, bool]:
    """(working day?, known from the official schedule?)"""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(start: date, days: int = DEFAULT_WORKING_DAYS) -> Deadline:
    """The ``days``-th working day after ``start`` (the day of filing does not count)."""
    if days < 0:
        raise ValueError("days must be ≥ 0")
    day, counted, estimated = start, 0, False
    while counted < days:
        day += timedelta(days=1)
        working, known = is_working_day(day)
        estimated |= not known
        counted += working
    return Deadline(day, estimated)
