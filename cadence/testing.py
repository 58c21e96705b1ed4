"""Hypothesis strategies for testing policies: leads, their histories, moments of evaluation, small
generated policies, and the closed loop that carries out what a policy asks.

Hypothesis is an optional dependency: ``pip install 'cadence[testing]'``. Nothing else in cadence
imports this module.

The strategies speak the policy's own vocabulary: its stages, grades, domain events, touch outcomes
and the lead attributes its conditions test. Times lean towards the moments where bugs hide: the
days the lead's clocks change (daylight saving time), the edges of quiet hours and working hours,
and several events at the same instant. Every time is written with an offset, often not the
lead's own, as a CRM exporting from several offices would write it.

A property of your own policy::

    from hypothesis import given
    from cadence import Engine, load_policy
    from cadence.testing import lead_histories

    POLICY = load_policy("policies/my_policy.yaml")
    ENGINE = Engine(POLICY)

    @given(lead_histories(POLICY))
    def test_nobody_is_called_at_night(case):
        lead, events, now = case
        for action in ENGINE.next_actions(lead, events, now):
            if action.channel == "phone":
                assert 8 <= action.due.hour < 21

and a closed-loop one, with :func:`carry_out`::

    @given(lead_histories(POLICY))
    def test_at_most_three_contacts_a_week(case):
        lead, events, now = case
        touches = [at for at, _ in carry_out(ENGINE, lead, events, now, steps=6)]
        assert all(b - a >= timedelta(days=7) for a, b in zip(touches, touches[3:]))
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from cadence.calendar import zone as _named_zone
from cadence.engine import Engine
from cadence.policy.checks import DEFAULT_STAGE, walk
from cadence.policy.conditions import (
    CAPTURED,
    AnchorTest,
    AttributeTest,
    Condition,
    EventMatch,
    TouchTest,
)
from cadence.policy.models import (
    PUBLIC_HOLIDAYS,
    WEEKDAY_NAMES,
    Backoff,
    Greeting,
    Policy,
    QuietHours,
    WorkingHours,
)
from cadence.records import CHANNELS, Action, Event, Lead

#: The zones leads are drawn in unless told otherwise: one without daylight saving time, one each
#: in Europe and North America, and one in the southern hemisphere (clocks change the other way).
DEFAULT_ZONES: Final = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Sydney")

#: The default period in which leads are captured.
DEFAULT_START: Final = datetime(2025, 1, 1, tzinfo=UTC)
DEFAULT_END: Final = datetime(2026, 1, 1, tzinfo=UTC)

#: How far after capture histories and ``now`` reach unless told otherwise.
DEFAULT_HORIZON: Final = timedelta(weeks=16)

#: Touch outcomes drawn for every policy, besides the ones the policy itself names.
OUTCOMES: Final = ("reached", "no_answer", "declined", "interested", "put_off")

_OWNERS: Final = ("ann", "bao", "chen", "dara")
_MANAGERS: Final = ("mia", "ren")
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


# -- leads ---------------------------------------------------------------------------------------


def _draw_score(draw: st.DrawFn, vocabulary: _Vocabulary) -> float:
    points = vocabulary.score_points
    if points and draw(st.integers(0, 1)) == 1:
        return draw(st.sampled_from(points))
    return float(draw(st.integers(0, 100)))


def _draw_value(draw: st.DrawFn, values: _Values) -> Any:
    """A plausible value of one attribute, like the ones the policy's tests compare it with."""
    if values.dated:
        day = draw(st.dates(date(2000, 1, 1), date(2000, 12, 31)))  # 2000: 29 February too
        return day.strftime("%m-%d") if draw(st.integers(0, 3)) else f"1988-{day:%m-%d}"
    kinds = values.kinds
    kind = draw(st.sampled_from(kinds))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "near":
        return draw(st.sampled_from(values.numbers))
    if kind == "number":
        low, high = int(min(values.numbers)) - 100, int(max(values.numbers)) + 100
        return draw(st.integers(low, high))
    if kind == "word":
        return draw(st.sampled_from(values.words))
    # only tested for presence: anything
    return draw(st.sampled_from((True, False, 0, 7, 100, "yes", "other")))


def _draw_lead(
    draw: st.DrawFn,
    vocabulary: _Vocabulary,
    zones: tuple[str, ...],
    start: datetime,
    end: datetime,
) -> Lead:
    zone_name = draw(st.sampled_from(zones))
    timezone_field: str | None = zone_name
    if zone_name == vocabulary.zone and draw(st.booleans()):
        timezone_field = None  # the policy's zone, by default
    captured = _draw_instant(draw, start, end, zone_name, vocabulary.boundaries)
    score = _draw_score(draw, vocabulary) if draw(st.booleans()) else None
    grade = None
    if vocabulary.grades and draw(st.integers(0, 3)) == 0:
        grade = draw(st.sampled_from(vocabulary.grades))
    attributes: dict[str, Any] = {}
    for name, values in vocabulary.attributes:
        if draw(st.integers(0, 3)):
            attributes[name] = _draw_value(draw, values)
    return Lead(
        id=f"L{draw(st.integers(0, 99_999))}",
        captured_at=captured.astimezone(_named_zone(zone_name)),
        timezone=timezone_field,
        owner=draw(st.sampled_from((None, *_OWNERS))),
        manager=draw(st.sampled_from((None, *_MANAGERS))),
        score=score,
        grade=grade,
        stage=draw(st.sampled_from(vocabulary.stages)),
        attributes=attributes,
    )


def leads(
    policy: Policy,
    *,
    zones: Sequence[str] = DEFAULT_ZONES,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
) -> st.SearchStrategy[Lead]:
    """Leads for ``policy``, captured between ``start`` and ``end``.

    Each lead is in one of ``zones`` (IANA names); when that is the policy's own zone, its
    ``timezone`` is sometimes left out, meaning the policy's zone. ``captured_at`` is written in
    the lead's zone, often close to a change of its clocks or to the edge of the policy's quiet or
    working hours. The stage is one of the policy's stages; the grade (sometimes) one of its
    grades; the score (sometimes) a number from 0 to 100, often next to a grade threshold. The
    attributes are the ones the policy's conditions test, each sometimes absent, with values like
    the ones the tests compare with: booleans, numbers around the bounds, the words tested (also
    in capitals), and ``MM-DD`` dates for birthdays and the dates greetings are sent on.
    """
    policy = _check_policy(policy, "leads")
    names = _check_zones(zones, "leads")
    begin, finish = _check_period(start, end, "leads")
    vocabulary = _vocabulary(policy)

    @st.composite
    def draw_lead(draw: st.DrawFn) -> Lead:
        return _draw_lead(draw, vocabulary, names, begin, finish)

    return draw_lead()


# -- histories -----------------------------------------------------------------------------------


def _draw_event(
    draw: st.DrawFn, vocabulary: _Vocabulary, lead_id: str, at: datetime, kind: str
) -> Event:
    channel: str | None = None
    outcome: str | None = None
    value: str | float | None = None
    if kind in ("touch", "reply"):
        channel = draw(st.sampled_from(CHANNELS))
        if kind == "touch":
            outcome = draw(st.sampled_from(vocabulary.outcomes))
    elif kind in ("opt_out", "opt_in"):
        channel = draw(st.sampled_from((None, *CHANNELS)))
    elif kind == "stage":
        value = draw(st.sampled_from(vocabulary.stages))
    elif kind == "grade":
        value = draw(st.sampled_from(vocabulary.grades))
    elif kind == "score":
        value = _draw_score(draw, vocabulary)
    elif kind == "assigned":
        value = draw(st.sampled_from(_OWNERS))
    return Event(lead_id, at, kind, channel, outcome, value)


def _draw_history(
    draw: st.DrawFn,
    vocabulary: _Vocabulary,
    lead: Lead,
    horizon: timedelta,
    max_events: int,
) -> list[Event]:
    zone_name = lead.timezone or vocabulary.zone
    tz = _named_zone(zone_name)
    captured = lead.captured_at.astimezone(UTC)
    events: list[Event] = []
    instants: list[datetime] = []
    # One choice before each event: stop, the instant of an earlier event, or a new instant. It
    # shrinks towards stopping, so that shrinking can drop any event of the history.
    for index in range(max_events):
        choice = draw(st.integers(0, 11))
        if choice < 2:
            break
        if index and choice < 4:  # at the same instant as an earlier event
            at = instants[draw(st.integers(0, index - 1))]
        else:
            at = _draw_instant(
                draw, captured, captured + horizon, zone_name, vocabulary.boundaries, early=True
            )
        instants.append(at)
        kind = draw(st.sampled_from(vocabulary.kinds))
        written = at.astimezone(_draw_written(draw, tz))
        events.append(_draw_event(draw, vocabulary, lead.id, written, kind))
    # In time order (compared in UTC: datetimes sharing a zone compare by wall clock), events
    # at one instant in their drawn order.
    events.sort(key=lambda e: e.at.astimezone(UTC))
    return events


def histories(
    policy: Policy,
    lead: Lead,
    *,
    horizon: timedelta = DEFAULT_HORIZON,
    max_events: int = 12,
) -> st.SearchStrategy[list[Event]]:
    """Histories of ``lead`` under ``policy``: up to ``max_events`` events from its capture to
    ``horizon`` after it, in time order (events at the same instant in their intended order).

    The events use the policy's vocabulary: touches on every channel with the outcomes
    ``reached``, ``no_answer``, ``declined``, ``interested``, ``put_off`` and any the policy names
    (or none); replies; stage changes to the policy's stages; the policy's domain events; score
    and grade changes; opt-outs and opt-ins on one channel or all; reassignments. Times cluster
    in the first days, near changes of the lead's clocks and at the edges of quiet and working
    hours, spread over weeks otherwise; several events often share one instant. Each time is
    written in the lead's zone or in another zone or offset (UTC, +08:00, +05:30, -09:30...).
    """
    policy = _check_policy(policy, "histories")
    if not isinstance(lead, Lead):
        raise InvalidArgument(f"histories() needs a cadence Lead, got {lead!r}")
    horizon = _check_horizon(horizon, "histories")
    max_events = _check_max_events(max_events, "histories")
    vocabulary = _vocabulary(policy)

    @st.composite
    def draw_history(draw: st.DrawFn) -> list[Event]:
        return _draw_history(draw, vocabulary, lead, horizon, max_events)

    return draw_history()


def _draw_lead_history(
    draw: st.DrawFn,
    vocabulary: _Vocabulary,
    zones: tuple[str, ...],
    start: datetime,
    end: datetime,
    horizon: timedelta,
    max_events: int,
) -> tuple[Lead, list[Event], datetime]:
    lead = _draw_lead(draw, vocabulary, zones, start, end)
    events = _draw_history(draw, vocabulary, lead, horizon, max_events)
    zone_name = lead.timezone or vocabulary.zone
    captured = lead.captured_at.astimezone(UTC)
    if events and draw(st.integers(0, 2)) == 0:  # just before, at or after something happened
        event = events[draw(st.integers(0, len(events) - 1))]
        now = max(
            captured, event.at.astimezone(UTC) + timedelta(minutes=draw(st.integers(-180, 180)))
        )
    else:
        now = _draw_instant(
            draw, captured, captured + horizon, zone_name, vocabulary.boundaries, early=True
        )
    return lead, events, now.astimezone(_draw_written(draw, _named_zone(zone_name)))


def lead_histories(
    policy: Policy,
    *,
    zones: Sequence[str] = DEFAULT_ZONES,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
    horizon: timedelta = DEFAULT_HORIZON,
    max_events: int = 12,
) -> st.SearchStrategy[tuple[Lead, list[Event], datetime]]:
    """A lead (as :func:`leads`), its history (as :func:`histories`) and a moment ``now`` to
    evaluate it at: after capture, within ``horizon``, often close to one of its events, to a
    change of the lead's clocks or to the edge of quiet or working hours, and written in a random
    zone or offset.

    Some events may come after ``now``; the engine must ignore them.
    """
    policy = _check_policy(policy, "lead_histories")
    names = _check_zones(zones, "lead_histories")
    begin, finish = _check_period(start, end, "lead_histories")
    horizon = _check_horizon(horizon, "lead_histories")
    max_events = _check_max_events(max_events, "lead_histories")
    vocabulary = _vocabulary(policy)

    @st.composite
    def draw_lead_history(draw: st.DrawFn) -> tuple[Lead, list[Event], datetime]:
        return _draw_lead_history(draw, vocabulary, names, begin, finish, horizon, max_events)

    return draw_lead_history()


# -- small policies --------------------------------------------------------------------------------

_SMALL_STAGES: Final = ("contacted", "quoted", "won", "lost")
_SMALL_EVENTS: Final = ("show_closed", "quote_sent", "promise", "promise_kept", "meeting")
_COUNTRIES: Final = (None, None, None, "CN", "DE", "US")
_UNITS: Final = ("hours", "days", "business days", "weeks", "months")
_HALF_HOURS: Final = (0, 30)
_CONDITION_KINDS: Final = (
    "stage",
    "stage_not",
    "vip",
    "distance",
    "happened",
    "not_since",
    "within",
    "last",
)


def _clock(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _draw_duration(draw: st.DrawFn, *, least: int = 0, short: bool = False) -> str:
    """A duration as a policy writes it, in any unit (short ones: at most about two days)."""
    unit = draw(st.sampled_from(_UNITS[:4] if short else _UNITS))
    most = {"hours": 72, "days": 20, "business days": 10, "weeks": 4, "months": 3}[unit]
    if short:
        most = {"hours": 48, "days": 7, "business days": 3, "weeks": 1}[unit]
    least = max(least, 1) if unit in ("weeks", "months") else least
    return f"{draw(st.integers(least, most))} {unit}"


def _draw_channels(draw: st.DrawFn) -> list[str]:
    return draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True))


def _draw_condition(draw: st.DrawFn, grades: bool, depth: int = 0) -> dict[str, Any]:
    kinds: tuple[str, ...] = _CONDITION_KINDS
    if grades:
        kinds += ("grade", "grade_not")
    if depth == 0:
        kinds += ("any", "not")
    kind = draw(st.sampled_from(kinds))
    if kind in ("stage", "stage_not"):
        return {
            kind: draw(
                st.lists(st.sampled_from(_SMALL_STAGES), min_size=1, max_size=2, unique=True)
            )
        }
    if kind in ("grade", "grade_not"):
        return {kind: draw(st.lists(st.sampled_from(("A", "B", "C")), min_size=1, unique=True))}
    if kind == "vip":
        return {"attributes": {"vip": draw(st.booleans())}}
    if kind == "distance":
        bound = draw(st.sampled_from(("below", "at_most", "above", "at_least")))
        return {"attributes": {"distance_km": {bound: draw(st.integers(0, 200))}}}
    if kind == "happened":
        return {"happened": draw(st.sampled_from(_SMALL_EVENTS))}
    if kind == "not_since":
        return {"not_happened": {"event": "reply", "since": draw(st.sampled_from(_SMALL_EVENTS))}}
    if kind == "within":
        within = _draw_duration(draw, least=1, short=True)
        return {"happened": {"event": "touch", "channel": _draw_channels(draw), "within": within}}
    if kind == "last":
        return {"last_touch": {"outcome": draw(st.sampled_from(OUTCOMES))}}
    if kind == "not":
        return {"not": _draw_condition(draw, grades, depth + 1)}
    return {
        "any": [_draw_condition(draw, grades, depth + 1) for _ in range(draw(st.integers(1, 2)))]
    }


def _draw_event_match(draw: st.DrawFn, *, captured: bool = True) -> Any:
    """What starts a rule or meets it: an event type, or a touch or stage change narrowed down."""
    kind = draw(st.sampled_from(("captured", "captured", "domain", "reply", "touch", "stage")))
    if kind == "captured" and captured:
        return CAPTURED
    if kind == "reply":
        return "reply"
    if kind == "touch":
        match: dict[str, Any] = {"event": "touch"}
        if draw(st.booleans()):
            match["channel"] = _draw_channels(draw)
        if draw(st.booleans()):
            match["outcome"] = draw(
                st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=3, unique=True)
            )
        return match
    if kind == "stage":
        return {"event": "stage", "value": [draw(st.sampled_from(_SMALL_STAGES))]}
    return draw(st.sampled_from(_SMALL_EVENTS))


def _draw_channel_choice(draw: st.DrawFn, grades: bool) -> Any:
    if draw(st.booleans()):
        return draw(st.sampled_from(CHANNELS))
    choices: list[dict[str, Any]] = []
    for channel in _draw_channels(draw):
        choice: dict[str, Any] = {"use": channel}
        if draw(st.booleans()):
            choice["when"] = _draw_condition(draw, grades)
        choices.append(choice)
    return choices


def _draw_obligation(draw: st.DrawFn, grades: bool) -> dict[str, Any]:
    obligation: dict[str, Any] = {
        "after": _draw_event_match(draw),
        "within": _draw_duration(draw),
    }
    if draw(st.integers(0, 3)) == 0:
        obligation["task"] = "Do what was agreed"
        obligation["met_by"] = [_draw_event_match(draw, captured=False)]
    else:
        obligation["channel"] = _draw_channel_choice(draw, grades)
        if draw(st.booleans()):
            count = draw(st.integers(1, 2))
            obligation["met_by"] = [_draw_event_match(draw, captured=False) for _ in range(count)]
    if draw(st.booleans()):
        missed: dict[str, str] = {}
        if draw(st.integers(0, 3)):
            missed["escalate"] = _draw_duration(draw)
        if not missed or draw(st.booleans()):
            missed["reassign"] = _draw_duration(draw)
        obligation["if_missed"] = missed
    return obligation


def _draw_cadence(draw: st.DrawFn, grades: bool) -> dict[str, Any]:
    cadence: dict[str, Any] = {
        "every": _draw_duration(draw, least=1),
        "channel": _draw_channel_choice(draw, grades),
    }
    if draw(st.booleans()):
        cadence["start"] = _draw_event_match(draw)
    if draw(st.integers(0, 2)) == 0:
        count = draw(st.integers(1, 2))
        cadence["counts"] = [_draw_event_match(draw, captured=False) for _ in range(count)]
    if draw(st.booleans()):
        backoff: dict[str, Any] = {
            "on": ["declined"] if draw(st.booleans()) else ["declined", "no_answer"]
        }
        if draw(st.booleans()):
            backoff["multiply"] = draw(st.integers(2, 3))
        if "multiply" not in backoff or draw(st.booleans()):
            backoff["switch_to"] = draw(st.sampled_from(CHANNELS))
        cadence["backoff"] = backoff
    return cadence


def _draw_sequence(draw: st.DrawFn, grades: bool) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        step: dict[str, Any] = {
            "at": _draw_duration(draw),
            "channel": draw(st.sampled_from(CHANNELS)),
        }
        if draw(st.integers(0, 2)) == 0:
            if draw(st.booleans()):
                step["when"] = {"anchor": {"outcome": [draw(st.sampled_from(OUTCOMES))]}}
            else:
                step["when"] = _draw_condition(draw, grades)
        steps.append(step)
    sequence: dict[str, Any] = {"after": _draw_event_match(draw), "steps": steps}
    if draw(st.booleans()):
        sequence["then"] = {
            "every": _draw_duration(draw, least=1),
            "channel": draw(st.sampled_from(CHANNELS)),
        }
    return sequence


def _draw_rule(draw: st.DrawFn, index: int, grades: bool, country: str | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": f"rule-{index}", "refs": [f"R-{index}"]}
    if draw(st.integers(0, 3)) == 0:
        rule["when"] = _draw_condition(draw, grades)
    if draw(st.integers(0, 4)) == 0:
        rule["until"] = _draw_condition(draw, grades)
    if draw(st.integers(0, 5)) == 0:
        rule["assignee"] = "manager"
    kind = draw(st.sampled_from(("obligation", "cadence", "sequence", "greeting")))
    if kind == "obligation":
        rule["obligation"] = _draw_obligation(draw, grades)
    elif kind == "cadence":
        rule["cadence"] = _draw_cadence(draw, grades)
    elif kind == "sequence":
        rule["sequence"] = _draw_sequence(draw, grades)
    else:
        holidays = country is not None and draw(st.booleans())
        rule["greeting"] = {
            "on": PUBLIC_HOLIDAYS if holidays else "birthday",
            "channel": draw(st.sampled_from(CHANNELS)),
            "at": _clock(draw(st.integers(0, 23)), draw(st.sampled_from(_HALF_HOURS))),
        }
    return rule


def _draw_windows(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Working and quiet hours that leave every channel some free time each working day: working
    hours start by 11:30 and end from 15:00, nights start from 20:00 and end by 09:30, and the
    lunch break lasts at most an hour, between 12:00 and 14:00."""
    if draw(st.booleans()):
        working: dict[str, Any] = {
            "start": _clock(draw(st.integers(6, 11)), draw(st.sampled_from(_HALF_HOURS))),
            "end": _clock(draw(st.integers(15, 21)), draw(st.sampled_from(_HALF_HOURS))),
        }
        if draw(st.booleans()):
            working["channels"] = _draw_channels(draw)
        data["working_hours"] = working
    quiet: list[dict[str, Any]] = []
    if draw(st.booleans()):
        night: dict[str, Any] = {
            "start": _clock(draw(st.integers(20, 23)), draw(st.sampled_from(_HALF_HOURS))),
            "end": _clock(
                draw(st.sampled_from((0, 5, 6, 7, 8, 9))), draw(st.sampled_from(_HALF_HOURS))
            ),
        }
        if draw(st.integers(0, 2)) == 0:
            night["channels"] = _draw_channels(draw)
        quiet.append(night)
    if draw(st.integers(0, 2)) == 0:
        begin = draw(st.integers(12 * 60, 13 * 60))
        lunch: dict[str, Any] = {
            "start": _clock(*divmod(begin, 60)),
            "end": _clock(*divmod(begin + draw(st.integers(15, 60)), 60)),
        }
        if draw(st.booleans()):
            lunch["channels"] = _draw_channels(draw)
        quiet.append(lunch)
    if quiet:
        data["quiet_hours"] = quiet


def _draw_small_policy(draw: st.DrawFn) -> Policy:
    country = draw(st.sampled_from(_COUNTRIES))
    data: dict[str, Any] = {
        "policy": "generated",
        "timezone": draw(st.sampled_from(DEFAULT_ZONES)),
        "stages": list(_SMALL_STAGES),
        "events": list(_SMALL_EVENTS),
    }
    calendar: dict[str, Any] = {}
    if country is not None:
        calendar["country"] = country
    if draw(st.integers(0, 3)) == 0:
        calendar["working_days"] = draw(
            st.lists(st.sampled_from(WEEKDAY_NAMES), min_size=1, max_size=7, unique=True)
        )
    if calendar:
        data["calendar"] = calendar
    _draw_windows(draw, data)
    grades = draw(st.booleans())
    if grades:
        high = draw(st.integers(60, 95))
        low = draw(st.integers(10, high - 1))
        data["grades"] = [
            {"grade": "A", "min_score": high},
            {"grade": "B", "min_score": low},
            {"grade": "C"},
        ]
    stop = draw(st.integers(0, 3))
    if stop:
        when = ({"stage": ["won", "lost"]}, {"stage": "lost"}, {"happened": "promise_kept"})
        data["stops"] = [{"id": "stop-1", "when": when[stop - 1]}]
    caps: list[dict[str, Any]] = []
    for index in range(draw(st.integers(0, 2))):
        cap: dict[str, Any] = {
            "id": f"cap-{index}",
            "max": draw(st.integers(1, 3)),
            "within": _draw_duration(draw, least=1, short=True),
        }
        if draw(st.booleans()):
            cap["channels"] = _draw_channels(draw)
        if draw(st.integers(0, 3)) == 0:
            cap["when"] = {"attributes": {"vip": True}}
        caps.append(cap)
    if caps:
        data["caps"] = caps
    count = draw(st.integers(1, 4))
    data["rules"] = [_draw_rule(draw, index, grades, country) for index in range(1, count + 1)]
    return Policy.model_validate(data)


@st.composite
def _small_policies(draw: st.DrawFn) -> Policy:
    return _draw_small_policy(draw)


def small_policies() -> st.SearchStrategy[Policy]:
    """Small valid policies built from the language's models: one to four rules of the four kinds
    (obligations with channel choices or tasks, escalations and reassignments; cadences with
    starts, counts and backoff; sequences with conditional steps and repetitions; greetings on
    public holidays or birthdays), with or without a country's calendar, a working week, working
    hours, quiet hours (per channel or all), grades, a stop and caps.

    Every one loads and compiles (``Engine(policy)`` does not raise) and leaves each channel some
    free time every working day. Their attributes are ``vip`` (boolean), ``distance_km`` (number)
    and ``birthday``; their stages ``contacted``, ``quoted``, ``won``, ``lost``; their domain
    events ``show_closed``, ``quote_sent``, ``promise``, ``promise_kept``, ``meeting``.
    """
    return _small_policies()


# -- the closed loop ---------------------------------------------------------------------------


def carry_out(
    engine: Engine, lead: Lead, events: Iterable[Event], now: datetime, steps: int
) -> list[tuple[datetime, Action]]:
    """Do what the policy asks, ``steps`` times, and return the touches made.

    Each step evaluates the lead as of ``now``, takes the earliest contact action (the first in
    the contract's order), moves ``now`` to its ``due`` (or keeps ``now`` if it is overdue) and
    adds a ``touch`` on its channel at that moment, outcome ``reached``, to the history. It stops
    early when the policy asks for no contact. Each touch is returned with the action it carried
    out. Events of ``events`` later than ``now`` count from the moment ``now`` passes them.

    This is how a salesperson who follows the advice to the letter behaves; properties such as
    "doing as told never breaks a cap" are stated over it. ``events`` and ``now`` are not changed.
    """
    if not isinstance(engine, Engine):
        raise InvalidArgument(f"carry_out() needs a cadence Engine, got {engine!r}")
    if not isinstance(steps, int) or steps < 0:
        raise InvalidArgument(f"carry_out(): steps must be a whole number >= 0, got {steps!r}")
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidArgument(f"carry_out(): now must be a time-zone-aware datetime, got {now!r}")
    history = list(events)
    made: list[tuple[datetime, Action]] = []
    for _ in range(steps):
        contacts = [
            action
            for action in engine.next_actions(lead, history, now)
            if action.kind == "contact" and action.channel is not None
        ]
        if not contacts:
            break
        # Instants compared in UTC: datetimes sharing a zone compare by wall clock, which is
        # wrong in the hour the clocks go back over.
        action = min(contacts, key=lambda a: (a.due.astimezone(UTC), a.rule))
        if action.due.astimezone(UTC) > now.astimezone(UTC):
            now = action.due
        history.append(Event(lead.id, now, "touch", action.channel, "reached"))
        made.append((now, action))
    return made


__all__ = [
    "DEFAULT_END",
    "DEFAULT_HORIZON",
    "DEFAULT_START",
    "DEFAULT_ZONES",
    "OUTCOMES",
    "carry_out",
    "histories",
    "lead_histories",
    "leads",
    "small_policies",
]
