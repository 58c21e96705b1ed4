"""The state of one lead as of ``now``: its history replayed once, read by every rule.

Replaying is the only pass over the events; rules then look things up (the latest event of a type,
the touches on a channel) instead of scanning the history again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from cadence.policy.conditions import CAPTURED
from cadence.records import CHANNELS, Event, Lead

_ALL_CHANNELS = frozenset(CHANNELS)


#: An event's instant as a timestamp (:attr:`Event.stamp`), not the datetime: datetimes sharing a
#: zone with DST compare by wall clock, which misorders the hour the clocks go back over.
_by_time: Callable[[Event], float] = attrgetter("stamp")


@dataclass(slots=True, init=False)
class LeadState:
    """A lead as of ``now``: stage, grade, owner, consent and the history up to ``now``.

    A dataclass for its ``repr`` and equality, with its own ``__init__``: one is made at every
    evaluation after an event, and a compiled build (docs/embedding.md) compiles a class's own
    ``__init__`` but not the one ``dataclass`` writes."""

    lead: Lead
    zone: ZoneInfo
    #: Set with :meth:`set_now`, which keeps :attr:`now_stamp` in step.
    now: datetime
    #: ``now`` as a POSIX timestamp.
    now_stamp: float
    captured: Event
    events: list[Event]
    by_type: dict[str, list[Event]]
    touches: list[Event]
    #: How many touches there are on each channel (a channel without any is absent).
    touch_counts: dict[str, int]
    stage: str
    score: float | None
    explicit_grade: str | None
    owner: str | None
    blocked: frozenset[str]
    grade: str | None
    attributes: Mapping[str, Any]
    #: Results of pure calendar arithmetic for this lead (a moment plus a duration, the next
    #: moment the hours allow), keyed by what they were computed from. Shared by the
    #: evaluations of one lead (:class:`cadence.LeadTracker`, a simulation's replay) so that
    #: the same deadline is not counted out again at every moment; never changes a result.
    memo: dict[tuple[Any, ...], Any]
    #: What the rules asked (see :func:`cadence.engine.rules.apply_rule`), the touches a cap
    #: counts, and the grade and the gate's decision when no condition of the gate depends on
    #: ``now`` (see :meth:`cadence.engine.evaluate.Evaluator.decide`), keyed by the part of the
    #: history they depend on (how many events of each type, see
    #: :attr:`cadence.engine.compiled.CompiledRule.reads`): kept across events of other types, as
    #: long as the history only grows (a lead's history folded in time order); started afresh
    #: when it is replayed from the start.
    kept: dict[tuple[Any, ...], Any]

    def __init__(
        self,
        lead: Lead,
        zone: ZoneInfo,
        now: datetime,
        captured: Event,
        events: list[Event],
        by_type: dict[str, list[Event]],
        touches: list[Event],
        stage: str,
        score: float | None,
        explicit_grade: str | None,
        owner: str | None,
        blocked: frozenset[str],
        grade: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        memo: dict[tuple[Any, ...], Any] | None = None,
        kept: dict[tuple[Any, ...], Any] | None = None,
        touch_counts: dict[str, int] | None = None,
    ) -> None:
        self.lead = lead
        self.zone = zone
        self.set_now(now)
        self.captured = captured
        self.events = events
        self.by_type = by_type
        self.touches = touches
        if touch_counts is None:
            touch_counts = {}
            for touch in touches:
                if touch.channel is not None:
                    touch_counts[touch.channel] = touch_counts.get(touch.channel, 0) + 1
        self.touch_counts = touch_counts
        self.stage = stage
        self.score = score
        self.explicit_grade = explicit_grade
        self.owner = owner
        self.blocked = blocked
        self.grade = grade
        self.attributes = {} if attributes is None else attributes
        self.memo = {} if memo is None else memo
        self.kept = {} if kept is None else kept

    def set_now(self, now: datetime, stamp: float | None = None) -> None:
        """Move the state to ``now`` (for a history that has nothing after it), and
        :attr:`now_stamp` with it (``stamp``, when the caller has ``now`` as a timestamp)."""
        self.now = now
        self.now_stamp = now.timestamp() if stamp is None else stamp

    def of_type(self, event_type: str) -> list[Event]:
        """The lead's events of one type up to now, oldest first (``captured`` included)."""
        if event_type == CAPTURED:
            return [self.captured]
        return self.by_type.get(event_type, [])

    def latest(self, event_type: str, match: Callable[[Event], bool] | None = None) -> Event | None:
        """The most recent event of a type (that ``match`` accepts), or ``None``."""
        for event in reversed(self.of_type(event_type)):
            if match is None or match(event):
                return event
        return None

    @property
    def opted_out(self) -> bool:
        """Whether the lead has withdrawn consent on every channel."""
        return self.blocked >= _ALL_CHANNELS


class Fold:
    """The running result of replaying a lead's events in time order: what the history says so
    far (stage, score, grade, owner, consent) and the events by type.

    :func:`replay` folds a whole history at once; :class:`cadence.LeadTracker` keeps a fold and
    adds each new event as it comes, so that a long history is not replayed again.
    """

    __slots__ = (
        "blocked",
        "by_type",
        "captured",
        "events",
        "explicit_grade",
        "last",
        "owner",
        "score",
        "stage",
        "touch_counts",
    )

    def __init__(self, lead: Lead) -> None:
        self.events: list[Event] = []
        self.by_type: dict[str, list[Event]] = {}
        self.touch_counts: dict[str, int] = {}  # touches by channel
        self.stage = lead.stage
        self.score = lead.score
        self.explicit_grade = lead.grade
        self.owner = lead.owner
        self.blocked: frozenset[str] = frozenset()
        #: The timestamp of the latest event folded in (``-inf`` before any).
        self.last = float("-inf")
        #: The lead's capture as an event in the lead's zone, made at the first state asked for.
        self.captured: Event | None = None

    def extend(self, history: Iterable[Event]) -> None:
        """Fold in events given in time order, none earlier than those already folded in."""
        stage, score, explicit_grade = self.stage, self.score, self.explicit_grade
        owner, blocked, by_type = self.owner, self.blocked, self.by_type
        events, touch_counts = self.events, self.touch_counts
        for event in history:
            events.append(event)
            kind = event.type
            bucket = by_type.get(kind)
            if bucket is None:
                by_type[kind] = [event]
            else:
                bucket.append(event)
            if kind == "touch" or kind == "reply":
                channel = event.channel
                if kind == "touch" and channel is not None:
                    touch_counts[channel] = touch_counts.get(channel, 0) + 1
                continue
            value = event.value
            if kind == "stage" and value is not None:
                stage = str(value)
            elif kind == "score" and isinstance(value, int | float):
                score = float(value)
                explicit_grade = None
            elif kind == "grade" and value is not None:
                explicit_grade = str(value)
            elif kind == "assigned" and value is not None:
                owner = str(value)
            elif kind == "opt_out" or kind == "opt_in":
                blocked = consent_after(blocked, event)
        self.stage, self.score, self.explicit_grade = stage, score, explicit_grade
        self.owner, self.blocked = owner, blocked
        if events:
            self.last = _by_time(events[-1])

    def state(
        self,
        lead: Lead,
        now: datetime,
        zone: ZoneInfo,
        memo: dict[tuple[Any, ...], Any] | None = None,
        kept: dict[tuple[Any, ...], Any] | None = None,
    ) -> LeadState:
        """The lead as of ``now``, which must not be before the latest event folded in;
        ``memo`` and ``kept`` are what earlier evaluations of the lead remembered (see
        :attr:`LeadState.memo` and :attr:`LeadState.kept`)."""
        captured = self.captured
        if captured is None or captured.at.tzinfo is not zone:
            captured = self.captured = Event(lead.id, lead.captured_at.astimezone(zone), CAPTURED)
        return LeadState(
            lead=lead,
            zone=zone,
            now=now.astimezone(zone),
            captured=captured,
            events=self.events,
            by_type=self.by_type,
            touches=self.by_type.get("touch", []),
            stage=self.stage,
            score=self.score,
            explicit_grade=self.explicit_grade,
            owner=self.owner,
            blocked=self.blocked,
            attributes=lead.attributes,
            memo=memo,
            kept=kept,
            touch_counts=self.touch_counts,
        )


def consent_after(blocked: frozenset[str], event: Event) -> frozenset[str]:
    """The channels a lead has opted out of after ``event``, given those before it: an
    ``opt_out`` adds its channel (every channel without one), an ``opt_in`` takes its channel
    back (every channel without one); any other event changes nothing."""
    if event.type == "opt_out":
        return _ALL_CHANNELS if event.channel is None else blocked | {event.channel}
    if event.type == "opt_in":
        return frozenset() if event.channel is None else blocked - {event.channel}
    return blocked


def in_time_order(events: Iterable[Event]) -> list[Event]:
    """The events sorted by instant; events at the same instant keep their given order."""
    return sorted(events, key=_by_time)


def replay(lead: Lead, events: Iterable[Event], now: datetime, zone: ZoneInfo) -> LeadState:
    """Replay the events up to ``now`` (in time order; same-instant events in the given order)."""
    until = now.timestamp()  # instants, not datetimes: see _by_time
    fold = Fold(lead)
    fold.extend(in_time_order(e for e in events if e.stamp <= until))
    return fold.state(lead, now, zone)
