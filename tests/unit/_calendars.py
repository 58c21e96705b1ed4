"""What the day-counting modules (``test_calendar_*.py``) share: zones, calendars, wall-clock
moments, the days of a period, and moments of 2020-2027 drawn often near a change of the clocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo

from hypothesis import strategies as st

from cadence.calendar import BusinessCalendar, zone

SHANGHAI = zone("Asia/Shanghai")
BERLIN = zone("Europe/Berlin")
NEW_YORK = zone("America/New_York")

CN = BusinessCalendar("CN")
PLAIN = BusinessCalendar()  # Monday to Friday, no public holidays


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
