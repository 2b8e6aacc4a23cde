"""Working-day deadlines across 春节 and 国庆 with 调休 Saturdays (L17)."""

from datetime import date

import pytest

from ownerguard.domain.deadlines import add_working_days, is_working_day


def test_spring_festival_2026_with_adjusted_saturday():
    # 2026-02-14 is a Saturday worked in exchange for the holiday (调休); 02-15…02-23 are off.
    assert is_working_day(date(2026, 2, 14)) == (True, True)
    assert is_working_day(date(2026, 2, 17)) == (False, True)
    d = add_working_days(date(2026, 2, 10), 5)
    assert d.due == date(2026, 2, 24) and not d.estimated


def test_national_day_2026():
    # 10-01…10-07 off, Saturday 10-10 worked.
    assert is_working_day(date(2026, 10, 10)) == (True, True)
    assert add_working_days(date(2026, 9, 25), 15).due == date(2026, 10, 22)


def test_default_fifteen_days_from_today_like_dates():
    assert add_working_days(date(2026, 11, 28)).due == date(2026, 12, 18)


def test_unknown_year_is_estimated_on_weekdays():
    d = add_working_days(date(2026, 12, 28), 10)
    assert d.estimated and d.due.weekday() < 5


def test_negative_days_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 1), -1)
