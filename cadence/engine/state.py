"""The state of one lead as of ``now``: its history replayed once, read by every rule.

Replaying is the only pass over the events; rules then look things up (the latest event of a type,
the touches on a channel) instead of scanning the history again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from cadence.policy.conditions import CAPTURED
from cadence.records import CHANNELS, Event, Lead

_ALL_CHANNELS = frozenset(CHANNELS)


def _by_time(event: Event) -> float:
    # A timestamp, not the datetime: datetimes sharing a zone with DST compare by wall clock,
    # which misorders the hour the clocks go back over.
    return event.at.timestamp()


@dataclass(slots=True)
class LeadState:
    """A lead as of ``now``: stage, grade, owner, consent and the history up to ``now``."""

    lead: Lead
    zone: ZoneInfo
    now: datetime
    captured: Event
    events: list[Event]
    by_type: dict[str, list[Event]]
    touches: list[Event]
    stage: str
    score: float | None
    explicit_grade: str | None
    owner: str | None
    blocked: frozenset[str]
    grade: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)

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


def replay(lead: Lead, events: Iterable[Event], now: datetime, zone: ZoneInfo) -> LeadState:
    """Replay the events up to ``now`` (in time order; same-instant events in the given order)."""
    events = events if isinstance(events, list | tuple) else list(events)
    if events and type(events[0].at.tzinfo) is timezone:
        # Written in the events' own fixed-offset zone object, `now` compares with them field by
        # field (a zone with DST would compare by wall clock: wrong in the repeated hour).
        now = now.astimezone(events[0].at.tzinfo)
    elif events:
        now = now.astimezone(UTC)
    history = sorted((e for e in events if e.at <= now), key=_by_time)
    captured = Event(lead.id, lead.captured_at.astimezone(zone), CAPTURED)
    stage = lead.stage
    score = lead.score
    explicit_grade = lead.grade
    owner = lead.owner
    blocked: set[str] = set()
    by_type: dict[str, list[Event]] = {}
    for event in history:
        kind = event.type
        bucket = by_type.get(kind)
        if bucket is None:
            by_type[kind] = [event]
        else:
            bucket.append(event)
        if kind == "touch" or kind == "reply":
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
        elif kind == "opt_out":
            blocked = set(_ALL_CHANNELS) if event.channel is None else blocked | {event.channel}
        elif kind == "opt_in":
            blocked = set() if event.channel is None else blocked - {event.channel}
    return LeadState(
        lead=lead,
        zone=zone,
        now=now.astimezone(zone),
        captured=captured,
        events=history,
        by_type=by_type,
        touches=by_type.get("touch", []),
        stage=stage,
        score=score,
        explicit_grade=explicit_grade,
        owner=owner,
        blocked=frozenset(blocked),
        attributes=lead.attributes,
    )
