"""The strategies for leads, their histories and the moments they are evaluated at:
:func:`leads`, :func:`histories` and :func:`lead_histories`, in a policy's vocabulary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from cadence.calendar import zone as _named_zone
from cadence.policy.models import Policy
from cadence.records import CHANNELS, Event, Lead
from cadence.testing._vocabulary import (
    DEFAULT_ZONES,
    _check_horizon,
    _check_max_events,
    _check_period,
    _check_policy,
    _check_zones,
    _draw_instant,
    _draw_written,
    _Values,
    _Vocabulary,
    _vocabulary,
)

#: The default period in which leads are captured.
DEFAULT_START: Final = datetime(2025, 1, 1, tzinfo=UTC)
DEFAULT_END: Final = datetime(2026, 1, 1, tzinfo=UTC)

#: How far after capture histories and ``now`` reach unless told otherwise.
DEFAULT_HORIZON: Final = timedelta(weeks=16)

_OWNERS: Final = ("ann", "bao", "chen", "dara")
_MANAGERS: Final = ("mia", "ren")


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
