"""Day counting (cadence.calendar): golden examples, the holidays package as an independent oracle,
and Hypothesis properties of the next allowed moment.

The whole module runs with the machine's local zone set to America/Toronto, so anything that
silently used the local zone instead of the lead's would show up here.
"""

from __future__ import annotations

import os
import threading
import time as system_time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.calendar import WEEKDAYS, BusinessCalendar, TimeWindow, zone
from cadence.durations import Duration

SHANGHAI = zone("Asia/Shanghai")
BERLIN = zone("Europe/Berlin")
NEW_YORK = zone("America/New_York")

CN = BusinessCalendar("CN")
PLAIN = BusinessCalendar()  # Monday to Friday, no public holidays
CALENDARS = (CN, PLAIN, BusinessCalendar("DE", "BY"), BusinessCalendar("US", working_days=range(6)))

#: The independent oracle: the holidays package's own working-day functions.
CN_ORACLE = holidays.country_holidays("CN", years=range(2020, 2028))

NIGHT = TimeWindow.parse("21:00", "08:00")
LUNCH = TimeWindow.parse("12:00", "13:30")
OFFICE = TimeWindow.parse("09:00", "18:00")


@pytest.fixture(autouse=True, scope="module")
def _local_zone_is_toronto() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/Toronto"
    system_time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    system_time.tzset()


def at(
    tz: tzinfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    """A wall-clock moment in ``tz``."""
    return datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold)


def utc(t: datetime) -> datetime:
    """The instant of ``t``. Compare instants this way: Python compares two datetimes of the same
    zone by their wall clocks, ignoring which of a repeated hour they are in."""
    return t.astimezone(UTC)


def every_day(first: date, last: date) -> Iterator[date]:
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


# -- zones and windows --------------------------------------------------------------------------


def test_zone_by_name() -> None:
    assert zone("Europe/Berlin").key == "Europe/Berlin"
    assert datetime(2025, 7, 1, 12, tzinfo=zone("Asia/Shanghai")).utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("name", ["Nowhere/City", "", "Asia", "+08:00", "asia/shanghai"])
def test_unknown_zone_is_a_value_error_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone") as raised:
        zone(name)
    assert repr(name) in str(raised.value)


def test_unknown_zone_suggests_the_right_spelling() -> None:
    with pytest.raises(ValueError, match="did you mean 'Asia/Shanghai'"):
        zone("asia/shanghai")


def test_weekday_names_follow_date_weekday() -> None:
    assert WEEKDAYS[date(2025, 9, 28).weekday()] == "sun"
    assert WEEKDAYS[date(2025, 9, 29).weekday()] == "mon"


def test_window_within_a_day() -> None:
    assert LUNCH.contains(time(12, 0))
    assert LUNCH.contains(time(13, 29, 59))
    assert not LUNCH.contains(time(13, 30))
    assert not LUNCH.contains(time(11, 59))


def test_window_across_midnight() -> None:
    assert NIGHT.contains(time(21, 0))
    assert NIGHT.contains(time(23, 59))
    assert NIGHT.contains(time(0, 0))
    assert NIGHT.contains(time(7, 59))
    assert not NIGHT.contains(time(8, 0))
    assert not NIGHT.contains(time(20, 59))


def test_window_until_midnight_and_whole_day() -> None:
    evening = TimeWindow.parse("18:00", "00:00")
    assert evening.contains(time(23, 59)) and not evening.contains(time(0, 0))
    whole = TimeWindow.parse("08:00", "08:00")
    assert all(whole.contains(time(h)) for h in range(24))


@pytest.mark.parametrize("text", ["8", "25:00", "12:60", "12.30", "noon", "12:30:00", ""])
def test_window_parse_rejects_malformed_times(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected a time of day 'HH:MM', got"):
        TimeWindow.parse(text, "10:00")


def test_window_parse_reads_hours_and_minutes() -> None:
    assert TimeWindow.parse("9:05", "17:30") == TimeWindow(time(9, 5), time(17, 30))


# -- which days are working days ----------------------------------------------------------------


def test_cn_working_days_agree_with_holidays_package_2020_to_2026() -> None:
    calendar = BusinessCalendar("CN")  # a fresh one: its years are built while this test asks
    oracle = holidays.country_holidays("CN", years=range(2020, 2027))
    days = list(every_day(date(2020, 1, 1), date(2026, 12, 31)))
    disagreements = [d for d in days if calendar.is_working_day(d) != oracle.is_working_day(d)]
    assert disagreements == []
    # The comparison is not vacuous: both kinds of exception to the plain week occur.
    assert any(d.weekday() >= 5 and calendar.is_working_day(d) for d in days)
    assert any(d.weekday() < 5 and not calendar.is_working_day(d) for d in days)


def test_cn_2025_national_day_and_its_make_up_sunday() -> None:
    assert date(2025, 9, 28).weekday() == 6
    assert CN.is_working_day(date(2025, 9, 28))  # Sunday, worked (调休)
    assert CN.is_working_day(date(2025, 10, 11))  # Saturday, worked
    for day in range(1, 9):
        assert not CN.is_working_day(date(2025, 10, day)), day
    assert CN.is_working_day(date(2025, 10, 9))
    assert not CN.is_working_day(date(2025, 9, 27))  # an ordinary Saturday


def test_holiday_names() -> None:
    assert CN.holiday_name(date(2025, 10, 1)) == "National Day"
    assert CN.holiday_name(date(2025, 10, 7)) == "Day off (substituted from 09/28/2025)"
    assert CN.holiday_name(date(2025, 9, 28)) is None
    assert CN.holiday_name(date(2025, 10, 4)) is None  # a weekend day inside the break
    assert PLAIN.holiday_name(date(2025, 12, 25)) is None


def test_working_week_without_country() -> None:
    assert PLAIN.is_working_day(date(2025, 10, 1))
    assert not PLAIN.is_working_day(date(2025, 9, 28))
    sunday_to_thursday = BusinessCalendar(working_days=[6, 0, 1, 2, 3])
    assert sunday_to_thursday.is_working_day(date(2025, 9, 28))
    assert not sunday_to_thursday.is_working_day(date(2025, 9, 26))


def test_next_working_day() -> None:
    assert CN.next_working_day(date(2025, 9, 26)) == date(2025, 9, 26)
    assert CN.next_working_day(date(2025, 9, 27)) == date(2025, 9, 28)
    assert CN.next_working_day(date(2025, 10, 1)) == date(2025, 10, 9)


def test_calendar_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown calendar country 'XX'"):
        BusinessCalendar("XX")
    with pytest.raises(ValueError, match="did you mean 'CN'"):
        BusinessCalendar("cn")
    with pytest.raises(ValueError, match=r"unknown subdivision 'ZZ' of US: known ones are AK, "):
        BusinessCalendar("US", "ZZ")
    with pytest.raises(ValueError, match="without a country"):
        BusinessCalendar(None, "BY")
    for bad in ([], [7], [-1], [True]):
        with pytest.raises(ValueError, match="working days must be"):
            BusinessCalendar(working_days=bad)
    with pytest.raises(TypeError, match="expected a date"):
        CN.is_working_day(datetime(2025, 10, 1, tzinfo=SHANGHAI))


def test_one_calendar_shared_by_threads_gives_the_same_answers() -> None:
    shared = BusinessCalendar("CN")  # fresh: the threads race to build its years
    days = list(every_day(date(2014, 1, 1), date(2030, 12, 31)))
    oracle = holidays.country_holidays("CN", years=range(2014, 2031))
    expected = [oracle.is_working_day(d) for d in days]
    barrier = threading.Barrier(8)
    results: list[list[bool]] = []

    def work(offset: int) -> None:
        order = days[offset * 500 :] + days[: offset * 500]
        barrier.wait()
        answers = {d: shared.is_working_day(d) for d in order}
        results.append([answers[d] for d in days])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(result == expected for result in results)


# -- holiday periods, for greetings -------------------------------------------------------------


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


# -- adding durations: golden examples ----------------------------------------------------------


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


# -- adding business days against the holidays package -----------------------------------------


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


# -- the next allowed moment: golden examples ---------------------------------------------------


def test_quiet_hours_move_a_moment_to_their_end() -> None:
    late = at(SHANGHAI, 2025, 3, 18, 22, 0)
    assert PLAIN.next_allowed(late, working_hours=None, quiet=[NIGHT]) == at(
        SHANGHAI, 2025, 3, 19, 8, 0
    )
    early = at(SHANGHAI, 2025, 3, 18, 7, 0)
    assert PLAIN.next_allowed(early, working_hours=None, quiet=[NIGHT]) == at(
        SHANGHAI, 2025, 3, 18, 8, 0
    )
    lunch = at(SHANGHAI, 2025, 3, 18, 12, 15)
    assert PLAIN.next_allowed(lunch, working_hours=None, quiet=[NIGHT, LUNCH]) == at(
        SHANGHAI, 2025, 3, 18, 13, 30
    )
    fine = at(SHANGHAI, 2025, 3, 18, 8, 0)
    assert PLAIN.next_allowed(fine, working_hours=None, quiet=[NIGHT, LUNCH]) is fine


def test_working_hours_move_a_moment_to_the_next_working_morning() -> None:
    friday_evening = at(SHANGHAI, 2025, 3, 14, 18, 30)
    assert CN.next_allowed(friday_evening, working_hours=OFFICE, quiet=[]) == at(
        SHANGHAI, 2025, 3, 17, 9, 0
    )
    friday_early = at(SHANGHAI, 2025, 3, 14, 8, 0)
    assert CN.next_allowed(friday_early, working_hours=OFFICE, quiet=[]) == at(
        SHANGHAI, 2025, 3, 14, 9, 0
    )
    before_break = at(SHANGHAI, 2025, 9, 30, 19, 0)
    assert CN.next_allowed(before_break, working_hours=OFFICE, quiet=[NIGHT]) == at(
        SHANGHAI, 2025, 10, 9, 9, 0
    )
    saturday = at(SHANGHAI, 2025, 9, 27, 10, 0)
    assert CN.next_allowed(saturday, working_hours=OFFICE, quiet=[]) == at(
        SHANGHAI, 2025, 9, 28, 9, 0
    )  # the make-up Sunday
    noon = at(SHANGHAI, 2025, 3, 14, 12, 10)
    assert CN.next_allowed(noon, working_hours=OFFICE, quiet=[LUNCH]) == at(
        SHANGHAI, 2025, 3, 14, 13, 30
    )


def test_quiet_hours_ending_in_the_spring_forward_gap_end_when_the_clocks_jump() -> None:
    # Berlin, 30 March 2025: 02:00 becomes 03:00, so 02:30 never shows; 03:00 is the first
    # moment after a 21:00-02:30 quiet window.
    t = at(BERLIN, 2025, 3, 30, 0, 30)
    quiet = [TimeWindow.parse("21:00", "02:30")]
    result = PLAIN.next_allowed(t, working_hours=None, quiet=quiet)
    assert (result.hour, result.minute, result.utcoffset()) == (3, 0, timedelta(hours=2))
    assert utc(result) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)


def test_quiet_hours_in_the_repeated_autumn_hour() -> None:
    # New York, 2 November 2025: 01:00-02:00 happens twice (EDT, then EST).
    quiet = [TimeWindow.parse("00:00", "01:30")]
    first_pass = at(NEW_YORK, 2025, 11, 2, 0, 45)
    result = PLAIN.next_allowed(first_pass, working_hours=None, quiet=quiet)
    assert (result.hour, result.minute, result.utcoffset()) == (1, 30, timedelta(hours=-4))
    second_pass = at(NEW_YORK, 2025, 11, 2, 1, 10, fold=1)
    result = PLAIN.next_allowed(second_pass, working_hours=None, quiet=quiet)
    assert (result.hour, result.minute, result.utcoffset()) == (1, 30, timedelta(hours=-5))
    assert utc(result) > utc(second_pass)


def test_night_quiet_hours_across_the_autumn_change() -> None:
    t = at(BERLIN, 2025, 10, 25, 22, 0)
    result = PLAIN.next_allowed(t, working_hours=None, quiet=[NIGHT])
    assert (result, result.utcoffset()) == (at(BERLIN, 2025, 10, 26, 8, 0), timedelta(hours=1))


@pytest.mark.parametrize(
    ("working", "quiet"),
    [
        (None, [TimeWindow.parse("08:00", "08:00")]),
        (None, [TimeWindow.parse("21:00", "12:00"), TimeWindow.parse("12:00", "21:00")]),
        (OFFICE, [TimeWindow.parse("08:00", "18:30")]),
        (OFFICE, [TimeWindow.parse("09:00", "12:00"), TimeWindow.parse("11:00", "18:00")]),
    ],
)
def test_no_allowed_moment_is_an_error(working: TimeWindow | None, quiet: list[TimeWindow]) -> None:
    with pytest.raises(ValueError, match="no allowed moment"):
        CN.next_allowed(at(SHANGHAI, 2025, 3, 14, 10), working_hours=working, quiet=quiet)


def test_working_hours_across_midnight_are_refused() -> None:
    with pytest.raises(ValueError, match="working hours must end after they start"):
        CN.next_allowed(at(SHANGHAI, 2025, 3, 14, 10), working_hours=NIGHT, quiet=[])


# -- the next allowed moment: properties --------------------------------------------------------

ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York")


def transitions(name: str) -> tuple[datetime, ...]:
    """The UTC instants in 2020-2027 at which ``name``'s offset changes (to the hour)."""
    tz = zone(name)
    found = []
    hour = timedelta(hours=1)
    instant = datetime(2020, 1, 1, tzinfo=UTC)
    while instant.year < 2028:
        next_day = instant + timedelta(days=1)
        if instant.astimezone(tz).utcoffset() != next_day.astimezone(tz).utcoffset():
            while instant.astimezone(tz).utcoffset() == (instant + hour).astimezone(tz).utcoffset():
                instant += hour
            found.append(instant + hour)
        instant = next_day
    return tuple(found)


TRANSITIONS = {name: transitions(name) for name in ZONES}


def test_transition_table_knows_the_2025_changes() -> None:
    assert TRANSITIONS["Asia/Shanghai"] == ()
    assert datetime(2025, 3, 30, 1, tzinfo=UTC) in TRANSITIONS["Europe/Berlin"]
    assert datetime(2025, 10, 26, 1, tzinfo=UTC) in TRANSITIONS["Europe/Berlin"]
    assert datetime(2025, 11, 2, 6, tzinfo=UTC) in TRANSITIONS["America/New_York"]
    assert len(TRANSITIONS["America/New_York"]) == 16


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    """Instants of 2020-2027 in one of the three zones, often within hours of a DST change."""
    name = draw(st.sampled_from(ZONES))
    near_a_change = draw(st.booleans())
    if TRANSITIONS[name] and near_a_change:
        change = draw(st.sampled_from(TRANSITIONS[name]))
        instant = change + timedelta(seconds=draw(st.integers(-3 * 3600, 3 * 3600)))
    else:
        naive = draw(st.datetimes(datetime(2020, 1, 1), datetime(2027, 12, 31, 23, 59)))
        instant = naive.replace(tzinfo=UTC)
    return instant.astimezone(zone(name))


QUIET_CHOICES = [
    NIGHT,
    LUNCH,
    TimeWindow.parse("21:00", "02:30"),  # ends inside the spring-forward gap
    TimeWindow.parse("00:00", "01:30"),  # ends inside the repeated autumn hour
    TimeWindow.parse("01:30", "03:00"),
    TimeWindow.parse("02:15", "02:45"),
]
WORKING_CHOICES = [
    None,
    OFFICE,
    TimeWindow.parse("08:30", "12:00"),
    TimeWindow.parse("02:30", "20:00"),
]


def allowed(
    calendar: BusinessCalendar, t: datetime, working: TimeWindow | None, quiet: Sequence[TimeWindow]
) -> bool:
    """The definition, read directly off the wall clock of ``t``."""
    clock = t.time()
    if working is not None and not (calendar.is_working_day(t.date()) and working.contains(clock)):
        return False
    return not any(window.contains(clock) for window in quiet)


def check_next_allowed(
    calendar: BusinessCalendar,
    t: datetime,
    working: TimeWindow | None,
    quiet: Sequence[TimeWindow],
    fraction: float,
) -> None:
    """``next_allowed(t)`` is allowed, not before ``t``, a fixed point, and nothing in between is
    allowed (checked just before it and at a drawn point between ``t`` and it)."""
    result = calendar.next_allowed(t, working_hours=working, quiet=quiet)
    assert result.tzinfo is t.tzinfo
    assert utc(result) >= utc(t)
    assert allowed(calendar, result, working, quiet)
    again = calendar.next_allowed(result, working_hours=working, quiet=quiet)
    assert utc(again) == utc(result)
    if utc(result) > utc(t):
        tz = t.tzinfo
        assert tz is not None
        just_before = (utc(result) - timedelta(microseconds=1)).astimezone(tz)
        assert not allowed(calendar, just_before, working, quiet)
        between = utc(t) + (utc(result) - utc(t)) * fraction
        if between < utc(result):
            assert not allowed(calendar, between.astimezone(tz), working, quiet)


@settings(deadline=None)
@given(
    t=moments(),
    calendar=st.sampled_from(CALENDARS),
    working=st.sampled_from(WORKING_CHOICES),
    quiet=st.lists(st.sampled_from(QUIET_CHOICES), max_size=3, unique=True),
    fraction=st.floats(0, 1, exclude_max=True),
)
def test_next_allowed_is_the_earliest_allowed_moment(
    t: datetime,
    calendar: BusinessCalendar,
    working: TimeWindow | None,
    quiet: list[TimeWindow],
    fraction: float,
) -> None:
    check_next_allowed(calendar, t, working, quiet, fraction)


#: Windows with an edge in the hour that Berlin or New York skips or repeats (02:00-03:00 in
#: Berlin both ways; 02:00-03:00 skipped and 01:00-02:00 repeated in New York).
DST_QUIET = [
    TimeWindow.parse("21:00", "02:30"),
    TimeWindow.parse("00:00", "01:30"),
    TimeWindow.parse("02:15", "02:45"),
    TimeWindow.parse("01:00", "02:15"),
    TimeWindow.parse("02:45", "06:00"),
]


@st.composite
def dst_moments(draw: st.DrawFn) -> datetime:
    """Instants within two hours of a DST change in Berlin or New York."""
    name = draw(st.sampled_from(ZONES[1:]))
    change = draw(st.sampled_from(TRANSITIONS[name]))
    return (change + timedelta(seconds=draw(st.integers(-7200, 7200)))).astimezone(zone(name))


@settings(deadline=None)
@given(
    t=dst_moments(),
    working=st.sampled_from([None, TimeWindow.parse("02:30", "20:00")]),
    quiet=st.lists(st.sampled_from(DST_QUIET), min_size=1, max_size=2, unique=True),
    fraction=st.floats(0, 1, exclude_max=True),
)
def test_next_allowed_around_dst_changes(
    t: datetime, working: TimeWindow | None, quiet: list[TimeWindow], fraction: float
) -> None:
    check_next_allowed(BusinessCalendar(working_days=range(7)), t, working, quiet, fraction)


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
