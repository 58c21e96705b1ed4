"""Public holidays, for greetings (``BusinessCalendar.holiday_name`` and ``holidays_from``): their
names, and the holiday periods of a year, each on its first day, within the limit asked, under
the holiday's own name.

The module runs with the machine's local zone set to America/Toronto (``_local_zone_is_toronto``
in ``conftest.py``), so anything that silently used the local zone instead of the lead's would
show up here.
"""

from __future__ import annotations

from datetime import date

import pytest

from cadence.calendar import BusinessCalendar
from tests.unit._calendars import CN, PLAIN

pytestmark = pytest.mark.usefixtures("_local_zone_is_toronto")


def test_holiday_names() -> None:
    assert CN.holiday_name(date(2025, 10, 1)) == "National Day"
    assert CN.holiday_name(date(2025, 10, 7)) == "Day off (substituted from 09/28/2025)"
    assert CN.holiday_name(date(2025, 9, 28)) is None
    assert CN.holiday_name(date(2025, 10, 4)) is None  # a weekend day inside the break
    assert PLAIN.holiday_name(date(2025, 12, 25)) is None


def test_cn_2025_holiday_periods() -> None:
    periods = list(CN.holidays_from(date(2025, 1, 1), limit_days=365))
    assert periods == [
        (date(2025, 1, 1), "New Year's Day"),
        (date(2025, 1, 28), "Chinese New Year's Eve"),  # through the days off of 3-4 February
        (date(2025, 4, 4), "Tomb-Sweeping Day"),
        (date(2025, 5, 1), "Labor Day"),  # through the day off of 5 May
        (date(2025, 5, 31), "Dragon Boat Festival"),  # a Saturday; observed on Monday 2 June
        (date(2025, 10, 1), "National Day"),  # 1-8 October, Mid-Autumn Festival included
    ]


def test_a_period_under_way_at_the_start_is_not_reported() -> None:
    for start in (date(2025, 10, 2), date(2025, 10, 4), date(2025, 10, 7)):
        assert next(CN.holidays_from(start)) == (date(2026, 1, 1), "New Year's Day")


def test_holiday_periods_stay_within_the_limit() -> None:
    assert list(CN.holidays_from(date(2025, 9, 1), limit_days=30)) == []
    assert list(CN.holidays_from(date(2025, 9, 1), limit_days=31)) == [
        (date(2025, 10, 1), "National Day")
    ]
    assert list(PLAIN.holidays_from(date(2025, 1, 1))) == []


def test_a_period_starting_on_an_observed_day_carries_the_holidays_own_name() -> None:
    us = BusinessCalendar("US")
    assert us.holiday_name(date(2026, 7, 3)) == "Independence Day (observed)"
    assert list(us.holidays_from(date(2026, 7, 1), limit_days=10)) == [
        (date(2026, 7, 3), "Independence Day")
    ]
