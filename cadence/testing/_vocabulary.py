"""What a policy talks about, and what every strategy of :mod:`cadence.testing` shares: the
words and numbers drawn from a policy (its stages, grades, outcomes, event types, the attributes
its conditions test), the checks of the strategies' arguments, and the moments times lean towards
(changes of a zone's clocks, the edges of quiet and working hours).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from typing import Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from cadence.calendar import zone as _named_zone
from cadence.policy.checks import DEFAULT_STAGE, walk
from cadence.policy.conditions import AnchorTest, AttributeTest, Condition, EventMatch, TouchTest
from cadence.policy.models import (
    PUBLIC_HOLIDAYS,
    Backoff,
    Greeting,
    Policy,
    QuietHours,
    WorkingHours,
)

#: The zones leads are drawn in unless told otherwise: one without daylight saving time, one each
#: in Europe and North America, and one in the southern hemisphere (clocks change the other way).
DEFAULT_ZONES: Final = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Sydney")

#: Touch outcomes drawn for every policy, besides the ones the policy itself names.
OUTCOMES: Final = ("reached", "no_answer", "declined", "interested", "put_off")

_DATE_LIKE: Final = re.compile(r"birth|anniversar|date|_day$|^day_")
#: Zones and offsets that event times and ``now`` are written in, besides the lead's own.
_WRITING_ZONES: Final[tuple[tzinfo, ...]] = (
    UTC,
    timezone(timedelta(hours=8)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=12, minutes=45)),
    timezone(timedelta(hours=-9, minutes=-30)),
    *(_named_zone(name) for name in DEFAULT_ZONES),
)


# -- what a policy talks about -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Values:
    """How to draw one attribute: a date, or the kinds of value its tests compare it with."""

    dated: bool
    kinds: tuple[str, ...]
    numbers: tuple[float, ...]
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """The words and numbers of one policy that generated data should use."""

    zone: str
    stages: tuple[str, ...]
    grades: tuple[str, ...]
    outcomes: tuple[str | None, ...]
    kinds: tuple[str, ...]
    attributes: tuple[tuple[str, _Values], ...]
    score_points: tuple[float, ...]
    boundaries: tuple[time, ...]


def _values(name: str, tests: Sequence[AttributeTest], dated: bool) -> _Values:
    """What the policy's tests of one attribute compare it with."""
    words: list[str] = []
    numbers: list[float] = []
    kinds: list[str] = []
    for test in tests:
        for value in (test.is_, test.is_not, *(test.in_ or ()), *(test.not_in or ())):
            if isinstance(value, bool):
                kinds.append("bool")
            elif isinstance(value, int | float):
                numbers.append(float(value))
            elif isinstance(value, str):
                words.extend((value, value.upper()))
        for bound in (test.below, test.at_most, test.above, test.at_least):
            if bound is not None:
                numbers.extend((bound - 1, bound - 0.5, bound, bound + 0.5, bound + 1))
    if numbers:
        kinds += ["near", "number"]
    if words:
        kinds.append("word")
        words.append("other")
    return _Values(
        dated=dated or _DATE_LIKE.search(name.lower()) is not None,
        kinds=tuple(dict.fromkeys(kinds)) or ("any",),
        numbers=tuple(sorted(set(numbers))),
        words=tuple(dict.fromkeys(words)),
    )


def _event_kinds(policy: Policy) -> tuple[str, ...]:
    """Event types, repeated by how often they should come up."""
    kinds = ["touch"] * 6 + ["reply"] * 2 + ["stage"] * 2
    kinds += ["score", "assigned", "opt_out", "opt_in"]
    if policy.grades:
        kinds.append("grade")
    for event in policy.events:
        kinds += [event] * 2
    return tuple(kinds)


def _vocabulary(policy: Policy) -> _Vocabulary:
    tests: dict[str, list[AttributeTest]] = {}
    dates: set[str] = set()
    outcomes: list[str | None] = [*OUTCOMES]
    boundaries: set[time] = set()
    for _path, model in walk(policy):
        if isinstance(model, Condition):
            for name, test in (model.attributes or {}).items():
                tests.setdefault(name, []).append(test)
        elif isinstance(model, EventMatch | TouchTest | AnchorTest):
            outcomes.extend(model.outcome or ())
        elif isinstance(model, Backoff):
            outcomes.extend(model.on)
        elif isinstance(model, Greeting):
            boundaries.add(model.at)
            if model.on != PUBLIC_HOLIDAYS:
                dates.add(model.on)
                tests.setdefault(model.on, [])
        elif isinstance(model, QuietHours | WorkingHours):
            boundaries.update((model.start, model.end))
    points: set[float] = set()
    for grade in policy.grades:
        if grade.min_score is not None:
            points.update((grade.min_score - 1, grade.min_score, grade.min_score + 0.5))
    return _Vocabulary(
        zone=policy.timezone,
        stages=tuple(dict.fromkeys((DEFAULT_STAGE, *policy.stages))),
        grades=tuple(dict.fromkeys(g.grade for g in policy.grades)),
        outcomes=(*dict.fromkeys(outcomes), None),
        kinds=_event_kinds(policy),
        attributes=tuple(
            (name, _values(name, found, name in dates)) for name, found in sorted(tests.items())
        ),
        score_points=tuple(sorted(p for p in points if p >= 0)),
        boundaries=tuple(sorted(boundaries)),
    )


# -- argument checks -----------------------------------------------------------------------------


def _check_policy(policy: object, function: str) -> Policy:
    if not isinstance(policy, Policy):
        message = f"{function}() needs a cadence Policy (load_policy(...)), got {policy!r}"
        raise InvalidArgument(message)
    return policy


def _check_period(start: object, end: object, function: str) -> tuple[datetime, datetime]:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, datetime) or value.utcoffset() is None:
            message = f"{function}(): {name} must be a time-zone-aware datetime, got {value!r}"
            raise InvalidArgument(message)
    assert isinstance(start, datetime) and isinstance(end, datetime)
    if not start < end:
        message = (
            f"{function}(): start must be before end, got {start.isoformat()} and {end.isoformat()}"
        )
        raise InvalidArgument(message)
    return start.astimezone(UTC), end.astimezone(UTC)


def _check_zones(zones: object, function: str) -> tuple[str, ...]:
    if isinstance(zones, str) or not isinstance(zones, Iterable):
        message = f"{function}(): zones must be a sequence of IANA zone names, got {zones!r}"
        raise InvalidArgument(message)
    names = tuple(zones)
    if not names:
        raise InvalidArgument(f"{function}(): zones must name at least one zone")
    for name in names:
        try:
            _named_zone(name)
        except (TypeError, ValueError) as error:
            raise InvalidArgument(f"{function}(): {error}") from None
    return names


def _check_max_events(max_events: object, function: str) -> int:
    if not isinstance(max_events, int) or isinstance(max_events, bool) or max_events < 0:
        message = f"{function}(): max_events must be a whole number >= 0, got {max_events!r}"
        raise InvalidArgument(message)
    return max_events


def _check_horizon(horizon: object, function: str) -> timedelta:
    if not isinstance(horizon, timedelta) or horizon <= timedelta(0):
        message = f"{function}(): horizon must be a positive timedelta, got {horizon!r}"
        raise InvalidArgument(message)
    return horizon


# -- moments -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _transitions_in_year(name: str, year: int) -> tuple[datetime, ...]:
    """The instants (UTC, to the second) when the zone's offset changes during ``year``."""
    tz = _named_zone(name)
    found: list[datetime] = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    stop = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = t.astimezone(tz).utcoffset()
    while t < stop:
        following = t + timedelta(days=1)
        after = following.astimezone(tz).utcoffset()
        if after != before:
            low, high = t, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        before, t = after, following
    return tuple(found)


def _transitions(name: str, start: datetime, end: datetime) -> tuple[datetime, ...]:
    """The instants in ``[start, end]`` when the zone's clocks change."""
    every = [
        t for year in range(start.year, end.year + 1) for t in _transitions_in_year(name, year)
    ]
    return tuple(every[bisect.bisect_left(every, start) : bisect.bisect_right(every, end)])


def _draw_instant(
    draw: st.DrawFn,
    start: datetime,
    end: datetime,
    zone_name: str,
    boundaries: Sequence[time],
    *,
    early: bool = False,
) -> datetime:
    """A UTC instant in ``[start, end]``: anywhere (to the minute), in the first three days
    (when ``early``), near a change of the zone's clocks, or at one of the lead's wall-clock edges
    (quiet hours, working hours, greetings) on some day."""
    minutes = max(0, int((end - start).total_seconds() // 60))
    changes = _transitions(zone_name, start - timedelta(hours=6), end + timedelta(hours=6))
    branch = draw(st.integers(0, 3))
    if branch == 1 and early:  # the first days after capture: obligations of hours and days
        return start + timedelta(minutes=draw(st.integers(0, min(minutes, 3 * 24 * 60))))
    if branch == 2 and changes:
        change = draw(st.sampled_from(changes))
        moved = change + timedelta(minutes=draw(st.integers(-6 * 60, 6 * 60)))
        return max(start, min(end, moved))
    if branch == 3 and boundaries:
        tz = _named_zone(zone_name)
        first_day = start.astimezone(tz).date()
        day = first_day + timedelta(
            days=draw(st.integers(0, (end.astimezone(tz).date() - first_day).days))
        )
        wall = datetime.combine(day, draw(st.sampled_from(tuple(boundaries))))
        wall += timedelta(minutes=draw(st.integers(-2, 2)))
        moment = wall.replace(tzinfo=tz, fold=draw(st.integers(0, 1))).astimezone(UTC)
        return max(start, min(end, moment))
    return start + timedelta(minutes=draw(st.integers(0, minutes)))


def _draw_written(draw: st.DrawFn, tz: tzinfo) -> tzinfo:
    """A zone or offset to write a time in: the lead's own zone half of the time."""
    if draw(st.booleans()):
        return tz
    return draw(st.sampled_from(_WRITING_ZONES))
