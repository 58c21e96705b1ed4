"""Day counting: time zones, business calendars, durations and the next allowed moment.

Every rule about days lives here; ``docs/day-counting.md`` explains the conventions for readers.
Computations take time-zone-aware datetimes in the lead's own zone and answer in that zone. Nothing
here reads the clock or the machine's local zone, and nothing is global and mutable: a
:class:`BusinessCalendar` fills its per-year holiday tables lazily under its own lock, so one
instance can be shared by threads.

Public holidays and make-up workdays (weekend days worked to bridge a long holiday, China's 调休)
come from the ``holidays`` package; month arithmetic and zone lookup from ``pendulum``; the
per-lead hot paths use the standard library's ``datetime``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, available_timezones

import holidays
import pendulum

from cadence.durations import Duration

#: Weekday names as the policy language spells them; the index is ``date.weekday()`` (Monday = 0).
WEEKDAYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_ONE_DAY: Final = timedelta(days=1)
_ONE_SECOND: Final = timedelta(seconds=1)
_ONE_MICROSECOND: Final = timedelta(microseconds=1)
_MIDNIGHT: Final = time(0, 0)
_MICROSECONDS_PER_DAY: Final = 86_400_000_000
#: How far :meth:`BusinessCalendar.next_working_day` looks before giving up.
_MAX_SEARCH_DAYS: Final = 1000
#: Rounds of :meth:`BusinessCalendar.next_allowed` before it declares that nothing is allowed.
_MAX_ROUNDS: Final = 64
#: How many wall-clock boundaries a calendar remembers the instants of before it starts afresh.
_BOUNDARIES_LIMIT: Final = 100_000
_TIME_OF_DAY: Final = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (``"Asia/Shanghai"``); ``ValueError`` if there is none."""
    if not isinstance(name, str):
        raise TypeError(f"a time zone name must be a string, got {name!r}")
    found = find_zone(name)
    if isinstance(found, ZoneInfo):
        return found
    message = f"unknown time zone {name!r}: expected an IANA name such as 'Europe/Berlin'"
    matches = sorted(z for z in available_timezones() if z.lower() == name.strip().lower())
    if matches:
        message += f" (did you mean {matches[0]!r}?)"
    raise ValueError(message)


def find_zone(name: str) -> tzinfo | None:
    """The zone pendulum finds under ``name``, or ``None`` when it finds none. An IANA zone is
    the standard library's ``ZoneInfo`` of that key, not pendulum's subclass of it (whose hash,
    and whose offsets when ``datetime`` asks for them, go through Python code); ``ZoneInfo``
    keeps one object per key, so every time in a zone carries the same one, whoever asked."""
    try:
        found = pendulum.timezone(name)
    except (ValueError, OSError):
        return None
    if isinstance(found, ZoneInfo) and type(found) is not ZoneInfo:
        return ZoneInfo(found.key)
    return found


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A daily span of wall-clock time: ``start`` inclusive, ``end`` exclusive.

    A window whose end is not after its start crosses midnight: ``21:00-08:00`` holds 23:30 and
    07:59 but not 08:00. ``18:00-00:00`` runs until midnight, and a window with ``end == start``
    holds the whole day.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"a time window needs times of day without a zone, got {value!r}")

    def contains(self, t: time) -> bool:
        """Whether the wall-clock time ``t`` falls inside this window."""
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    @classmethod
    def parse(cls, start: str, end: str) -> TimeWindow:
        """Build a window from two ``"HH:MM"`` strings; ``ValueError`` if either is malformed."""
        return cls(_parse_time(start), _parse_time(end))


def _parse_time(text: str) -> time:
    match = _TIME_OF_DAY.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a time of day 'HH:MM', got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True, slots=True)
class _Year:
    """One calendar year of a country's holidays, frozen once built."""

    names: dict[date, str]  # every public holiday (observed days included) -> its name
    plain_names: dict[date, str]  # the same without observed-day entries, for naming periods
    makeup: frozenset[date]  # weekend days that are working days (调休)


_NO_HOLIDAYS: Final = _Year({}, {}, frozenset())


class BusinessCalendar:
    """Which days are working days: a working week plus a country's public holidays.

    ``country`` is an ISO 3166-1 code known to the ``holidays`` package (``"CN"``, ``"DE"``) or
    ``None`` for no public holidays; ``subdivision`` a state or province code of that country;
    ``working_days`` the weekday numbers of the working week (Monday = 0). A day is a working day
    when it is in the working week and not a public holiday, or when it is a make-up workday.
    """

    __slots__ = (
        "_boundaries",
        "_country",
        "_language",
        "_lock",
        "_months",
        "_periods",
        "_subdivision",
        "_weekday_works",
        "_working",
        "_years",
    )

    def __init__(
        self,
        country: str | None = None,
        subdivision: str | None = None,
        working_days: Iterable[int] = (0, 1, 2, 3, 4),
    ) -> None:
        # Read as objects: a compiled build (docs/embedding.md) would take True for the int 1.
        days: tuple[object, ...] = tuple(working_days)
        if not days or any(type(day) is not int or not 0 <= day <= 6 for day in days):
            raise ValueError(
                "working days must be a non-empty set of weekday numbers 0 (Monday) to 6 (Sunday), "
                f"got {days!r}"
            )
        self._weekday_works: tuple[bool, ...] = tuple(i in days for i in range(7))
        self._country = country
        self._subdivision = subdivision
        self._language: str | None = None
        if country is None:
            if subdivision is not None:
                raise ValueError(f"subdivision {subdivision!r} given without a country")
        else:
            self._language = _check_country(country, subdivision)
        self._lock = threading.Lock()
        self._years: dict[int, _Year] = {}
        # Holiday periods from a date, for greetings: many leads ask for the same day.
        self._periods: dict[date, tuple[tuple[date, str], ...]] = {}
        # Days n months after a day (pendulum's month arithmetic): every monthly cadence of every
        # lead asks for the few hundred days of a season again and again.
        self._months: dict[tuple[date, int], date] = {}
        # Whether each day asked about is a working day (:meth:`_works`): the hours of every
        # contact and every count of business days ask about the same few hundred days.
        self._working: dict[date, bool] = {}
        # The instants a wall-clock time shows in a zone (the start of working hours, the end of
        # quiet hours on a day), for the hours of every contact of every lead.
        self._boundaries: dict[tuple[datetime, tzinfo], tuple[datetime, datetime | None]] = {}

    def __repr__(self) -> str:
        days = tuple(i for i in range(7) if self._weekday_works[i])
        return (
            f"BusinessCalendar(country={self._country!r}, subdivision={self._subdivision!r}, "
            f"working_days={days!r})"
        )

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day of this calendar."""
        return self._works(_as_date(d))

    def holiday_name(self, d: date) -> str | None:
        """The name of the public holiday on ``d``, or ``None`` if it is not one."""
        return self._year(_as_date(d).year).names.get(d)

    def holidays_from(self, start: date, limit_days: int = 400) -> Iterator[tuple[date, str]]:
        """The first day and name of each holiday period starting in ``limit_days`` from ``start``.

        A period is a run of public holidays joined by the non-working days between them: China's
        2025-10-01..08 break (National Day, a weekend, Mid-Autumn Festival, two days off in lieu) is
        one period, ``(2025-10-01, "National Day")``. A period already under way on ``start`` is not
        reported. It is named after its first holiday that is not an observed (moved) entry, so a
        Friday off for a Saturday Independence Day reads ``"Independence Day"``.
        """
        start = _as_date(start)
        if type(limit_days) is not int or limit_days < 0:
            raise ValueError(f"limit_days must be a whole number >= 0, got {limit_days!r}")
        if limit_days == 400:
            found = self._periods.get(start)
            if found is None:
                found = tuple(self._holidays_from(start, limit_days))
                self._periods[start] = found  # one assignment: safe to race, same value
            yield from found
            return
        yield from self._holidays_from(start, limit_days)

    def _holidays_from(self, start: date, limit_days: int) -> Iterator[tuple[date, str]]:
        in_period = self._period_under_way(start)
        d = start
        for _ in range(limit_days):
            if d in self._year(d.year).names:
                if not in_period:
                    yield d, self._period_name(d)
                    in_period = True
            elif self._works(d):
                in_period = False
            d += _ONE_DAY

    def next_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, otherwise the first working day after it."""
        return self._next_working(_as_date(d))

    def add(self, t: datetime, duration: Duration, *, day_start: time | None = None) -> datetime:
        """The moment ``duration`` after ``t``, in ``t``'s time zone.

        Hours are elapsed time. Days and weeks keep the wall-clock time on the calendar day n (7n)
        days later; months keep it on the same day n months later, clamped to the month's end.
        Business days first move a ``t`` that is not on a working day to the next working day at
        ``day_start`` (midnight if ``None``), then step n working days keeping the wall-clock time.
        A wall-clock time that does not exist (spring-forward gap) becomes the real instant the
        same distance after the gap's start (02:30 -> 03:30); an ambiguous one is the first.
        """
        tz = _zone_of(t)
        if duration.unit != "business_days":
            return self._shift(t, duration.amount, duration.unit, tz)
        n = _business_amount(duration)
        if day_start is not None and (not isinstance(day_start, time) or day_start.tzinfo):
            raise ValueError(f"day_start must be a time of day without a zone, got {day_start!r}")
        d = t.date()
        if self._works(d):
            if n == 0:
                return t
            wall_time = t.time()
        else:
            d = self._next_working(d)
            wall_time = _MIDNIGHT if day_start is None else day_start
        for _ in range(n):
            d = self._next_working(d + _ONE_DAY)
        moved = datetime.combine(d, wall_time, tz)  # `_localise`, without a naive time between
        return _settled(moved.replace(fold=0) if moved.fold else moved)

    def subtract(self, t: datetime, duration: Duration) -> datetime:
        """The moment ``duration`` before ``t``, in ``t``'s time zone: :meth:`add` run backwards.

        Business days step back n working days keeping the wall-clock time; a ``t`` that is not on
        a working day counts from the end (midnight) of the last working day before it, so Saturday
        10:00 minus 1 business day is Friday 00:00 and minus 0 is Saturday 00:00.
        """
        tz = _zone_of(t)
        if duration.unit != "business_days":
            return self._shift(t, -duration.amount, duration.unit, tz)
        n = _business_amount(duration)
        d = t.date()
        if self._works(d):
            if n == 0:
                return t
            for _ in range(n):
                d = self._next_working(d - _ONE_DAY, -_ONE_DAY)
            return _localise(datetime.combine(d, t.time()), tz)
        d = self._next_working(d, -_ONE_DAY)
        for _ in range(n):
            d = self._next_working(d - _ONE_DAY, -_ONE_DAY)
        return _localise(datetime.combine(d + _ONE_DAY, _MIDNIGHT), tz)

    def next_allowed(
        self, t: datetime, *, working_hours: TimeWindow | None, quiet: Sequence[TimeWindow]
    ) -> datetime:
        """The earliest moment at or after ``t``, in ``t``'s time zone, when contact is allowed.

        Allowed means outside every ``quiet`` window and, when ``working_hours`` is given, on a
        working day inside those hours (which must not cross midnight). Windows are read on the
        wall clock of ``t``'s zone. ``ValueError`` if the windows leave no moment of the day free.
        """
        return self.allowed_finder(working_hours, quiet)(t)

    def allowed_finder(
        self, working_hours: TimeWindow | None, quiet: Sequence[TimeWindow]
    ) -> Callable[[datetime], datetime]:
        """:meth:`next_allowed` for fixed windows, checked once: a function of ``t`` (a compiled
        policy keeps one per channel, so that each call does not check the windows again).
        ``ValueError`` at once if the windows leave no moment of the day free."""
        if working_hours is not None and working_hours.end <= working_hours.start:
            raise ValueError(
                f"working hours must end after they start on the same day, got "
                f"{working_hours.start:%H:%M}-{working_hours.end:%H:%M}"
            )
        if not _some_time_free(working_hours, quiet):
            raise ValueError("no allowed moment: quiet hours cover all of the day's allowed hours")
        windows = tuple(quiet)
        rounds = _MAX_ROUNDS + 4 * len(windows)
        first_violation = self._first_violation

        def first_allowed(t: datetime) -> datetime:
            tz = _zone_of(t)
            current = t
            for _ in range(rounds):
                moved = first_violation(current, tz, working_hours, windows)
                if moved is None:
                    return current
                current = moved
            raise ValueError(f"no allowed moment found after {t.isoformat()}")

        return first_allowed

    # -- private -------------------------------------------------------------------------------

    def _shift(self, t: datetime, n: int, unit: str, tz: tzinfo) -> datetime:
        """``t`` moved by ``n`` (signed) hours, days, weeks or months."""
        if n == 0:
            return t
        if unit == "hours":
            return (t.astimezone(UTC) + timedelta(hours=n)).astimezone(tz)
        if unit in ("days", "weeks"):
            step = timedelta(days=n * 7 if unit == "weeks" else n)
            if type(t) is datetime:  # arithmetic keeps the zone, adds on the wall clock, fold 0
                return _settled(t + step)
            return _localise(t.replace(tzinfo=None) + step, tz)
        if unit == "months":
            day = t.date()
            moved = self._months.get((day, n))
            if moved is None:  # clamped to the month's end
                added = pendulum.Date(day.year, day.month, day.day).add(months=n)
                moved = self._months[(day, n)] = date(added.year, added.month, added.day)
            combined = datetime.combine(moved, t.time(), tz)  # `_localise`, no naive time
            return _settled(combined.replace(fold=0) if combined.fold else combined)
        raise ValueError(f"unknown duration unit {unit!r}")

    def _works(self, d: date) -> bool:
        found = self._working.get(d)
        if found is None:
            year = self._year(d.year)
            found = d in year.makeup or (self._weekday_works[d.weekday()] and d not in year.names)
            if len(self._working) > _BOUNDARIES_LIMIT:
                self._working.clear()
            self._working[d] = found  # one assignment: safe to race, same value
        return found

    def _next_working(self, start: date, step: timedelta = _ONE_DAY) -> date:
        d = start
        for _ in range(_MAX_SEARCH_DAYS):
            if self._works(d):
                return d
            d += step
        raise ValueError(f"{self!r} has no working day within {_MAX_SEARCH_DAYS} days of {start}")

    def _period_under_way(self, start: date) -> bool:
        """Whether a holiday period began before ``start`` and has not ended by it."""
        d = start - _ONE_DAY
        for _ in range(_MAX_SEARCH_DAYS):
            if d in self._year(d.year).names:
                return True
            if self._works(d):
                return False
            d -= _ONE_DAY
        return False

    def _period_name(self, first: date) -> str:
        """The name of the period's first holiday that is not an observed (moved) entry."""
        d = first
        for _ in range(_MAX_SEARCH_DAYS):
            name = self._year(d.year).plain_names.get(d)
            if name is not None:
                return name
            d += _ONE_DAY
            if self._works(d):
                break
        return self._year(first.year).names[first]

    def _first_violation(
        self,
        current: datetime,
        tz: tzinfo,
        working_hours: TimeWindow | None,
        quiet: Sequence[TimeWindow],
    ) -> datetime | None:
        """The next candidate if ``current`` is not allowed, else ``None``."""
        d = current.date()
        clock = current.time()
        if working_hours is not None:
            day: date | None = None
            if not self._works(d):
                day = self._next_working(d)
            elif clock >= working_hours.end:
                day = self._next_working(d + _ONE_DAY)
            elif clock < working_hours.start:
                day = d
            if day is not None:
                return self._earliest_at(datetime.combine(day, working_hours.start), tz, current)
        for window in quiet:
            if window.contains(clock):
                end_day = d + _ONE_DAY if window.end <= window.start <= clock else d
                end = self._earliest_at(datetime.combine(end_day, window.end), tz, current)
                before, after = current.utcoffset(), end.utcoffset()
                if before is not None and after is not None and after < before:
                    # The clocks go back before the window ends: the wall clock may leave the
                    # window at that instant (02:59 CEST -> 02:00 CET), so try it first.
                    return _clocks_back(current, end, tz)
                return end
        return None

    def _earliest_at(self, wall: datetime, tz: tzinfo, not_before: datetime) -> datetime:
        """The first instant from ``not_before`` on whose wall clock in ``tz`` shows ``wall`` or
        later (:func:`_showings`, remembered).

        ``wall`` is a boundary after ``not_before``'s own wall-clock time. When the clocks skip
        it, the answer is the moment they jump; when they show it twice, the first showing not
        before ``not_before``. Instants are compared as timestamps: Python compares same-zone
        datetimes by wall clock."""
        boundaries = self._boundaries
        found = boundaries.get((wall, tz))
        if found is None:
            if len(boundaries) > _BOUNDARIES_LIMIT:
                boundaries.clear()
            found = boundaries[(wall, tz)] = _showings(wall, tz)
        first, second = found
        if second is None or first.timestamp() >= not_before.timestamp():
            return first
        return second

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            with self._lock:
                found = self._years.get(year)
                if found is None:
                    found = self._build_year(year)
                    self._years[year] = found
        return found

    def _build_year(self, year: int) -> _Year:
        if self._country is None:
            return _NO_HOLIDAYS
        # Neighbouring years too: an entry can be produced by the year next to its date's year.
        years = [y for y in (year - 1, year, year + 1) if 1 <= y <= 9999]
        tables = [
            holidays.country_holidays(
                self._country,
                subdiv=self._subdivision,
                years=years,
                expand=False,
                observed=observed,
                language=self._language,
            )
            for observed in (True, False)
        ]
        full, plain = tables
        return _Year(
            names={d: name for d, name in full.items() if d.year == year},
            plain_names={d: name for d, name in plain.items() if d.year == year},
            makeup=frozenset(d for d in full.weekend_workdays if d.year == year),
        )


def _check_country(country: str, subdivision: str | None) -> str | None:
    """Validate a country and subdivision; return the language to ask ``holidays`` for."""
    try:
        table = holidays.country_holidays(country, years=())
    except (NotImplementedError, AttributeError, TypeError):
        message = f"unknown calendar country {country!r}: expected a code such as 'CN' or 'DE'"
        if isinstance(country, str):
            upper = country.strip().upper()
            if upper != country and upper in holidays.list_supported_countries():
                message += f" (did you mean {upper!r}?)"
        raise ValueError(message) from None
    if subdivision is not None:
        try:
            holidays.country_holidays(country, subdiv=subdivision, years=())
        except (NotImplementedError, AttributeError, TypeError):
            known = ", ".join(table.subdivisions) or "none"
            message = f"unknown subdivision {subdivision!r} of {country}: known ones are {known}"
            raise ValueError(message) from None
    # A fixed language: left to itself, holidays picks one from the machine's locale.
    return "en_US" if "en_US" in table.supported_languages else table.default_language


def _clocks_back(start: datetime, end: datetime, tz: tzinfo) -> datetime:
    """The instant between ``start`` and ``end`` when the UTC offset drops, to the second."""
    offset = start.utcoffset()
    low, high = start.astimezone(UTC), end.astimezone(UTC)
    while high - low > _ONE_SECOND:
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == offset:
            low = middle
        else:
            high = middle
    # The change falls on a whole second after ``low`` (old offset) and at or before ``high``.
    return (low.replace(microsecond=0) + _ONE_SECOND).astimezone(tz)


def _as_date(d: date) -> date:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {d!r}; pass a moment's date in the lead's zone")
    return d


def _zone_of(t: datetime) -> tzinfo:
    tz = t.tzinfo
    if tz is None or tz.utcoffset(t) is None:
        raise ValueError(f"expected a time-zone-aware datetime, got {t!r}")
    return tz


def _business_amount(duration: Duration) -> int:
    if duration.amount < 0:
        raise ValueError(f"a number of business days cannot be negative, got {duration.amount}")
    return duration.amount


def _localise(wall: datetime, tz: tzinfo) -> datetime:
    """The instant showing ``wall`` in ``tz``; in a gap, moved on by the gap; if twice, the first.

    Relies on PEP 495: with ``fold=0`` a time in a gap is read with the offset from before the
    transition (02:30 CET is 03:30 CEST) and an ambiguous time is its first occurrence. A time
    read with the same offset whichever its fold is neither: it is its own instant (what the round
    trip through UTC gives, without making it).
    """
    return _settled(wall.replace(tzinfo=tz, fold=0))


def _settled(aware: datetime) -> datetime:
    """The instant an aware time with ``fold=0`` shows (:func:`_localise`): itself, unless it is
    in a gap (moved on by the gap) or shown twice (the first); what ``datetime`` arithmetic on
    an aware time gives (the wall clock moved, the zone kept, ``fold=0``) made an instant."""
    if aware.utcoffset() == aware.replace(fold=1).utcoffset():
        return aware
    return aware.astimezone(UTC).astimezone(aware.tzinfo)


def _wall(instant: datetime, tz: tzinfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def _showings(wall: datetime, tz: tzinfo) -> tuple[datetime, datetime | None]:
    """The instants, in ``tz``, from which its wall clock shows ``wall`` or later: the one, or
    when the clocks go back over it, the first and the second showing. When the clocks skip
    it, the moment they jump."""
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if _wall(first, tz) != wall:
        low, high = min(first, second), max(first, second)  # wall(low) < wall <= wall(high)
        while high - low > _ONE_MICROSECOND:
            middle = low + (high - low) // 2
            if _wall(middle, tz) >= wall:
                high = middle
            else:
                low = middle
        return high.astimezone(tz), None
    if first == second:
        return first.astimezone(tz), None
    return first.astimezone(tz), second.astimezone(tz)


def _microseconds(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _some_time_free(working_hours: TimeWindow | None, quiet: Sequence[TimeWindow]) -> bool:
    """Whether some time of day is inside the working hours and outside all quiet windows."""
    if working_hours is None:
        free_from, free_until = 0, _MICROSECONDS_PER_DAY
    else:
        free_from, free_until = _microseconds(working_hours.start), _microseconds(working_hours.end)
    blocked: list[tuple[int, int]] = []
    for window in quiet:
        start, end = _microseconds(window.start), _microseconds(window.end)
        if start < end:
            blocked.append((start, end))
        else:
            blocked += [(start, _MICROSECONDS_PER_DAY), (0, end)]
    for start, end in sorted(blocked):
        if start > free_from:
            break
        free_from = max(free_from, end)
    return free_from < free_until
