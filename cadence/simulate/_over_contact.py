"""Touches a policy would not have allowed: beyond a cap, inside quiet hours, after an opt-out.

Checked on the touches of a simulated history (the real one in an audit), one lead at a time, in
the lead's zone. A cap in hours, days or weeks is a rolling window of elapsed time, as the engine
counts it; in months or business days it follows the calendar.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cadence.engine import Engine
from cadence.engine.state import consent_after, replay
from cadence.records import Event, Lead


@dataclass(slots=True)
class OverContact:
    """Counts of touches that break the policy, in total and per cap."""

    over_cap: int = 0
    in_quiet_hours: int = 0
    after_opt_out: int = 0
    by_cap: dict[str, int] = field(default_factory=dict)

    def add(self, other: OverContact) -> None:
        """Add another lead's counts to these."""
        self.over_cap += other.over_cap
        self.in_quiet_hours += other.in_quiet_hours
        self.after_opt_out += other.after_opt_out
        for cap, count in other.by_cap.items():
            self.by_cap[cap] = self.by_cap.get(cap, 0) + count


def over_contact(
    engine: Engine,
    lead: Lead,
    events: Sequence[Event],
    start: datetime,
    end: datetime,
) -> OverContact:
    """The touches of ``events`` in ``[start, end)`` that a cap, the quiet hours or an opt-out
    forbade. ``events`` is the lead's whole history, in time order."""
    compiled = engine._compiled
    zone = compiled.lead_zone(lead.timezone)
    found = OverContact()
    first, last = start.timestamp(), end.timestamp()
    blocked: frozenset[str] = frozenset()
    touches: list[tuple[float, str]] = []  # (timestamp, channel)
    for event in events:
        if event.type == "opt_out" or event.type == "opt_in":
            blocked = consent_after(blocked, event)
        elif event.type == "touch" and event.channel is not None:
            stamp = event.stamp
            touches.append((stamp, event.channel))
            if not first <= stamp < last:
                continue
            if event.channel in blocked:
                found.after_opt_out += 1
            local = event.at.astimezone(zone).time()
            if any(window.contains(local) for window in compiled.windows[event.channel][1]):
                found.in_quiet_hours += 1
    for cap in compiled.caps:
        times = sorted(stamp for stamp, channel in touches if channel in cap.channels)
        length = cap.length.total_seconds() if cap.length is not None else None
        for touch in times:
            if not first <= touch < last:
                continue
            if length is not None:
                begin = touch - length
            else:
                moment = datetime.fromtimestamp(touch, zone)
                begin = compiled.calendar.subtract(moment, cap.within).timestamp()
            inside = bisect_right(times, touch) - bisect_right(times, begin)
            if inside <= cap.max:
                continue
            if cap.when is not None:
                at = datetime.fromtimestamp(touch, UTC)
                state = replay(lead, list(events), at, zone)
                state.grade = compiled.grade_of(state)
                if not cap.when(state, None):
                    continue
            found.over_cap += 1
            found.by_cap[cap.id] = found.by_cap.get(cap.id, 0) + 1
    return found


__all__ = ["OverContact", "over_contact"]
