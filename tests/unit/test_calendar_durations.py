"""Adding and subtracting durations (``BusinessCalendar.add`` and ``subtract``): golden examples
(business days across weekends and the 2025 national-day break, months clamped to the month's end,
days and hours across the changes of the clocks), business days against the holidays package as
an independent oracle, and properties of hours (elapsed time) and days (the wall-clock time kept).

The module runs with the machine's local zone set to America/Toronto (``_local_zone_is_toronto``
in ``conftest.py``), so anything that silently used the local zone instead of the lead's would
show up here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.calendar import BusinessCalendar
from cadence.durations import Duration
from tests.unit._calendars import BERLIN, CN, NEW_YORK, PLAIN, SHANGHAI, at, every_day, moments, utc

pytestmark = pytest.mark.usefixtures("_local_zone_is_toronto")

#: The independent oracle: the holidays package's own working-day functions.
CN_ORACLE = holidays.country_holidays("CN", years=range(2020, 2028))


def bd(n: int) -> Duration:
    return Duration(n, "business_days")


def test_friday_evening_plus_two_business_days_is_tuesday_evening() -> None:
    friday = at(SHANGHAI, 2025, 3, 14, 17, 0)
    assert CN.add(friday, bd(2)) == at(SHANGHAI, 2025, 3, 18, 17, 0)


def test_saturday_rolls_to_the_next_working_day_at_day_start_first() -> None:
    saturday = at(SHANGHAI, 2025, 3, 15, 10, 0)
    assert CN.add(saturday, bd(1), day_start=time(9)) == at(SHANGHAI, 2025, 3, 18, 9, 0)
    assert CN.add(saturday, bd(1)) == at(SHANGHAI, 2025, 3, 18, 0, 0)
    assert CN.add(saturday, bd(0), day_start=time(9)) == at(SHANGHAI, 2025, 3, 17, 9, 0)
    monday = at(SHANGHAI, 2025, 3, 17, 10, 0)
    assert CN.add(monday, bd(0)) is monday


def test_business_days_across_the_2025_national_day_break() -> None:
    friday = at(SHANGHAI, 2025, 9, 26, 17, 0)
    assert CN.add(friday, bd(1)) == at(SHANGHAI, 2025, 9, 28, 17, 0)  # the make-up Sunday
    assert CN.add(friday, bd(2)) == at(SHANGHAI, 2025, 9, 29, 17, 0)
    assert CN.add(friday, bd(4)) == at(SHANGHAI, 2025, 10, 9, 17, 0)  # over 1-8 October
    in_break = at(SHANGHAI, 2025, 10, 1, 10, 0)
    assert CN.add(in_break, bd(0), day_start=time(9)) == at(SHANGHAI, 2025, 10, 9, 9, 0)
    assert CN.add(in_break, bd(2), day_start=time(9)) == at(SHANGHAI, 2025, 10, 11, 9, 0)


def test_months_keep_the_day_clamped_to_the_months_end() -> None:
    month, two = Duration(1, "months"), Duration(2, "months")
    assert CN.add(at(SHANGHAI, 2025, 1, 31, 10), month) == at(SHANGHAI, 2025, 2, 28, 10)
    assert CN.add(at(SHANGHAI, 2024, 1, 31, 10), month) == at(SHANGHAI, 2024, 2, 29, 10)
    assert CN.add(at(SHANGHAI, 2025, 3, 31, 10), month) == at(SHANGHAI, 2025, 4, 30, 10)
    assert CN.add(at(SHANGHAI, 2025, 1, 31, 10), two) == at(SHANGHAI, 2025, 3, 31, 10)
    assert CN.add(at(SHANGHAI, 2024, 12, 15, 10), month) == at(SHANGHAI, 2025, 1, 15, 10)
    spring = CN.add(at(BERLIN, 2025, 3, 1, 10), month)
    assert (spring.hour, spring.utcoffset()) == (10, timedelta(hours=2))


def test_days_across_berlin_dst_changes_keep_the_wall_clock_time() -> None:
    day = Duration(1, "days")
    before_spring = at(BERLIN, 2025, 3, 29, 10)
    after_spring = CN.add(before_spring, day)
    assert after_spring == at(BERLIN, 2025, 3, 30, 10)
    assert after_spring.utcoffset() == timedelta(hours=2)
    assert utc(after_spring) - utc(before_spring) == timedelta(hours=23)
    before_autumn = at(BERLIN, 2025, 10, 25, 10)
    after_autumn = CN.add(before_autumn, day)
    assert after_autumn == at(BERLIN, 2025, 10, 26, 10)
    assert after_autumn.utcoffset() == timedelta(hours=1)
    assert utc(after_autumn) - utc(before_autumn) == timedelta(hours=25)
    week = CN.add(at(BERLIN, 2025, 3, 25, 10), Duration(1, "weeks"))
    assert (week, week.utcoffset()) == (at(BERLIN, 2025, 4, 1, 10), timedelta(hours=2))


def test_days_onto_a_missing_or_repeated_wall_clock_time() -> None:
    day = Duration(1, "days")
    missing = CN.add(at(BERLIN, 2025, 3, 29, 2, 30), day)  # 02:30 does not exist on 30 March
    assert (missing.hour, missing.minute, missing.utcoffset()) == (3, 30, timedelta(hours=2))
    twice = CN.add(at(BERLIN, 2025, 10, 25, 2, 30), day)  # 02:30 happens twice on 26 October
    assert (twice.hour, twice.minute, twice.utcoffset()) == (2, 30, timedelta(hours=2))


def test_hours_across_dst_changes_are_elapsed_time() -> None:
    day = Duration(24, "hours")
    assert CN.add(at(BERLIN, 2025, 3, 29, 12), day) == at(BERLIN, 2025, 3, 30, 13)
    assert CN.add(at(BERLIN, 2025, 10, 25, 12), day) == at(BERLIN, 2025, 10, 26, 11)
    first = at(BERLIN, 2025, 10, 26, 1, 30)
    one, two = CN.add(first, Duration(1, "hours")), CN.add(first, Duration(2, "hours"))
    assert (one.hour, one.utcoffset()) == (2, timedelta(hours=2))
    assert (two.hour, two.utcoffset(), two.fold) == (2, timedelta(hours=1), 1)
    assert utc(two) - utc(first) == timedelta(hours=2)


def test_results_stay_in_the_zone_of_the_moment() -> None:
    t = at(NEW_YORK, 2025, 6, 2, 9)
    for unit in ("hours", "days", "business_days", "weeks", "months"):
        assert CN.add(t, Duration(3, unit)).tzinfo is NEW_YORK


def test_bad_moments_and_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="time-zone-aware"):
        CN.add(datetime(2025, 6, 2, 9), Duration(1, "days"))
    with pytest.raises(ValueError, match="cannot be negative"):
        CN.add(at(SHANGHAI, 2025, 6, 2, 9), bd(-1))


def test_subtract_runs_add_backwards() -> None:
    monday = at(SHANGHAI, 2025, 3, 17, 10)
    assert CN.subtract(monday, bd(1)) == at(SHANGHAI, 2025, 3, 14, 10)
    saturday = at(SHANGHAI, 2025, 3, 15, 10)
    assert CN.subtract(saturday, bd(1)) == at(SHANGHAI, 2025, 3, 14, 0)  # all of Friday
    assert CN.subtract(saturday, bd(0)) == at(SHANGHAI, 2025, 3, 15, 0)
    after_break = at(SHANGHAI, 2025, 10, 9, 10)
    assert CN.subtract(after_break, bd(1)) == at(SHANGHAI, 2025, 9, 30, 10)
    assert CN.subtract(at(SHANGHAI, 2025, 3, 31, 8), Duration(1, "months")) == at(
        SHANGHAI, 2025, 2, 28, 8
    )
    assert CN.subtract(at(BERLIN, 2025, 3, 30, 13), Duration(24, "hours")) == at(
        BERLIN, 2025, 3, 29, 12
    )
    assert CN.subtract(at(BERLIN, 2025, 3, 30, 10), Duration(1, "days")) == at(
        BERLIN, 2025, 3, 29, 10
    )


def test_business_days_agree_with_holidays_nth_working_day() -> None:
    """On a working day, t + n business days falls on ``get_nth_working_day(t's date, n)``; off one,
    on the n-th working day after the first working day (which ``add`` moves to first)."""
    for d in every_day(date(2020, 1, 1), date(2026, 12, 31)):
        t = datetime.combine(d, time(15, 45), tzinfo=SHANGHAI)
        for n in (0, 1, 2, 5, 10):
            result = CN.add(t, bd(n), day_start=time(9))
            if CN_ORACLE.is_working_day(d):
                assert result == datetime.combine(
                    CN_ORACLE.get_nth_working_day(d, n), time(15, 45), tzinfo=SHANGHAI
                ), (d, n)
            else:
                first = CN_ORACLE.get_nth_working_day(d, 0)
                assert result == datetime.combine(
                    CN_ORACLE.get_nth_working_day(first, n), time(9), tzinfo=SHANGHAI
                ), (d, n)


shanghai_moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2026, 12, 31, 23, 59)
).map(lambda naive: naive.replace(tzinfo=SHANGHAI))


@given(t=shanghai_moments, n=st.integers(0, 40))
def test_business_days_property_against_holidays(t: datetime, n: int) -> None:
    result = CN.add(t, bd(n))
    assert CN_ORACLE.is_working_day(result.date())
    if CN_ORACLE.is_working_day(t.date()):
        assert result.date() == CN_ORACLE.get_nth_working_day(t.date(), n)
        assert result.time() == t.time()
        assert CN.subtract(result, bd(n)) == t


@given(t=shanghai_moments, n=st.integers(-400, 400), unit=st.sampled_from(["hours", "days"]))
def test_subtract_undoes_add_without_dst(t: datetime, n: int, unit: str) -> None:
    duration = Duration(n, unit)  # type: ignore[arg-type]
    assert CN.subtract(CN.add(t, duration), duration) == t


@settings(deadline=None)
@given(t=moments(), n=st.integers(0, 1000))
def test_hours_are_elapsed_time(t: datetime, n: int) -> None:
    result = PLAIN.add(t, Duration(n, "hours"))
    assert utc(result) - utc(t) == timedelta(hours=n)
    assert result.tzinfo is t.tzinfo


@settings(deadline=None)
@given(t=moments(), n=st.integers(0, 400), unit=st.sampled_from(["days", "weeks"]))
def test_days_keep_the_wall_clock_time_unless_it_does_not_exist(
    t: datetime, n: int, unit: str
) -> None:
    result = PLAIN.add(t, Duration(n, unit))  # type: ignore[arg-type]
    wanted = t.replace(tzinfo=None) + timedelta(days=n * (7 if unit == "weeks" else 1))
    shown = result.replace(tzinfo=None)
    if n:
        round_trip = utc(wanted.replace(tzinfo=t.tzinfo)).astimezone(t.tzinfo)
        exists = round_trip.replace(tzinfo=None) == wanted
        assert shown == wanted if exists else wanted < shown <= wanted + timedelta(hours=1)


def test_business_days_from_the_second_showing_of_a_repeated_hour() -> None:
    # Every day a working day: 02:30 on Sunday 26 October 2025 happens twice in Berlin. A
    # business day from the second showing keeps the wall-clock time, on a day when 02:30
    # happens once (the first showing, CET); two from 25 October 02:30 land on the repeated
    # 02:30's day, Monday's 02:30 being its own instant.
    every_day_works = BusinessCalendar(working_days=list(range(7)))
    second = at(BERLIN, 2025, 10, 26, 2, 30, fold=1)
    one = every_day_works.add(second, bd(1))
    assert (one.day, one.hour, one.minute, one.fold, one.utcoffset()) == (
        27,
        2,
        30,
        0,
        timedelta(hours=1),
    )
    onto = every_day_works.add(at(BERLIN, 2025, 10, 25, 2, 30), bd(1))
    assert (onto.day, onto.hour, onto.fold, onto.utcoffset()) == (26, 2, 0, timedelta(hours=2))


def test_months_onto_a_missing_or_repeated_wall_clock_time() -> None:
    # 02:30 does not exist on 30 March 2025 in Berlin (moved on by the gap) and happens twice on
    # 26 October (the first); a month from the second 02:30 of 26 October is 02:30 in November.
    missing = CN.add(at(BERLIN, 2025, 1, 30, 2, 30), Duration(2, "months"))
    assert (missing.day, missing.hour, missing.minute, missing.utcoffset()) == (
        30,
        3,
        30,
        timedelta(hours=2),
    )
    twice = CN.add(at(BERLIN, 2025, 9, 26, 2, 30), Duration(1, "months"))
    assert (twice.day, twice.hour, twice.utcoffset(), twice.fold) == (26, 2, timedelta(hours=2), 0)
    later = CN.add(at(BERLIN, 2025, 10, 26, 2, 30, fold=1), Duration(1, "months"))
    assert (later.month, later.day, later.hour, later.fold) == (11, 26, 2, 0)
    assert later.utcoffset() == timedelta(hours=1)
