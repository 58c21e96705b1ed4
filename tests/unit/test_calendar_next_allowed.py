"""Time windows and the next allowed moment (``TimeWindow``, ``BusinessCalendar.next_allowed``):
windows within a day and across midnight; golden examples of quiet hours and working hours, also
in the hour the clocks skip or repeat; and properties: the next allowed moment is allowed, not
before the moment asked, a fixed point, and nothing before it is allowed.

The module runs with the machine's local zone set to America/Toronto (``_local_zone_is_toronto``
in ``conftest.py``), so anything that silently used the local zone instead of the lead's would
show up here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.calendar import BusinessCalendar, TimeWindow, zone
from tests.unit._calendars import (
    BERLIN,
    CN,
    NEW_YORK,
    PLAIN,
    SHANGHAI,
    TRANSITIONS,
    ZONES,
    at,
    moments,
    utc,
)

pytestmark = pytest.mark.usefixtures("_local_zone_is_toronto")

CALENDARS = (CN, PLAIN, BusinessCalendar("DE", "BY"), BusinessCalendar("US", working_days=range(6)))

NIGHT = TimeWindow.parse("21:00", "08:00")
LUNCH = TimeWindow.parse("12:00", "13:30")
OFFICE = TimeWindow.parse("09:00", "18:00")


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
