"""The oracle of the invariants of evaluation: the lead as of ``now``, replayed from its history.

The invariants are hunted by Hypothesis over the shipped policies and generated ones, a module
each. Each property is stated from the documented meaning of the policy language and the data
contract, and checked against this oracle, written independently of the engine: the lead's
consent, stage and grade are replayed from its history by this module, conditions are evaluated
by this module, and only day counting (``cadence.calendar``, documented in
``docs/day-counting.md`` and tested against the holidays package) is shared with the engine.

1. ``test_consent.py``: no contact on a channel the lead opted out of, and nothing at all after a
   full opt-out;
2. ``test_contact_windows.py``: no contact due in quiet hours or, for the channels held to them,
   outside working hours, in the lead's zone, also around the changes of the clocks in Berlin and
   New York; every due written in the lead's zone, and overdue exactly when it is before now;
3. ``test_caps.py``: carrying out the actions (the closed loop, ``carry_out``) never breaks a cap;
4. ``test_nobody_forgotten.py``: every lead that is not stopped has something to do (R000-1,
   R004-16);
5. ``test_event_order_and_zones.py``: the answer depends neither on the order of the events nor on
   the zones ``now`` and the events are written in;
6. ``test_anchors.py``: nothing is due before the lead was captured, nor before the event that
   started its rule;
7. ``test_escalations.py``: an obligation is escalated (reassigned) exactly when it was not met
   and its escalation (reassignment) time has come;
8. ``test_purity.py``: evaluation is pure: the same answer twice, inputs untouched.

What the policies are and how a property draws and evaluates its inputs is ``_inputs.py``; what
the properties found is pinned in ``test_known_defects.py``; ``test_small_policies.py`` checks the
generated policies themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from cadence.calendar import BusinessCalendar, zone
from cadence.durations import Duration
from cadence.policy import Policy
from cadence.policy.conditions import CAPTURED, AttributeTest, Condition, EventMatch
from cadence.policy.models import WEEKDAY_NAMES, ChannelChoice
from cadence.records import CHANNELS, Event, Lead


def utc(t: datetime) -> datetime:
    """``t`` in UTC. The oracle compares instants only in UTC: Python compares two datetimes that
    share a tzinfo by their wall clocks, ignoring ``fold`` (02:45 CEST > 02:15 CET)."""
    return t.astimezone(UTC)


@functools.cache
def calendar(
    country: str | None, subdivision: str | None, days: tuple[str, ...]
) -> BusinessCalendar:
    return BusinessCalendar(country, subdivision, [WEEKDAY_NAMES.index(d.lower()) for d in days])


def calendar_of(policy: Policy) -> BusinessCalendar:
    spec = policy.calendar
    return calendar(spec.country, spec.subdivision, tuple(spec.working_days))


def day_start(policy: Policy) -> time | None:
    """Where business days start when counting from a day off: the start of working hours."""
    return policy.working_hours.start if policy.working_hours is not None else None


def value_text(value: object) -> str | None:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def matches(match: EventMatch | Any, event: Event) -> bool:
    """Whether ``event`` is of the match's type and on its channels, outcomes and values."""
    if event.type != match.event:
        return False
    return (
        (not match.channel or event.channel in match.channel)
        and (not match.outcome or event.outcome in match.outcome)
        and (not match.value or value_text(event.value) in match.value)
    )


@dataclass
class Facts:
    """The lead as of ``now``, replayed from its history by the test."""

    policy: Policy
    lead: Lead
    zone: tzinfo
    now: datetime
    captured: Event
    history: list[Event]  # up to now, in time order; same-instant events in the given order
    stage: str
    grade: str | None
    blocked: frozenset[str]

    def of_type(self, kind: str) -> list[Event]:
        return [self.captured] if kind == CAPTURED else [e for e in self.history if e.type == kind]

    def latest(self, match: EventMatch, occurrence: str = "latest") -> Event | None:
        """The occurrence of a matching event that anchors a rule: the latest, or the first."""
        found = [
            e for e in self.of_type(match.event) if match.event == CAPTURED or matches(match, e)
        ]
        if not found:
            return None
        return found[0] if occurrence == "first" else found[-1]


def history_of(events: Sequence[Event], now: datetime) -> list[Event]:
    """The events up to ``now``, in time order, events at one instant in the order given."""
    return sorted((e for e in events if utc(e.at) <= utc(now)), key=lambda e: utc(e.at))


def blocked_by(history: Sequence[Event]) -> frozenset[str]:
    blocked: set[str] = set()
    for event in history:
        if event.type == "opt_out":
            blocked = set(CHANNELS) if event.channel is None else blocked | {event.channel}
        elif event.type == "opt_in":
            blocked = set() if event.channel is None else blocked - {event.channel}
    return frozenset(blocked)


def facts(policy: Policy, lead: Lead, events: Sequence[Event], now: datetime) -> Facts:
    tz = zone(lead.timezone or policy.timezone)
    history = history_of(events, now)
    stage, score, explicit = lead.stage, lead.score, lead.grade
    for event in history:
        if event.type == "stage" and event.value is not None:
            stage = str(event.value)
        elif event.type == "score" and isinstance(event.value, int | float):
            score, explicit = float(event.value), None  # a new score replaces an older grade
        elif event.type == "grade" and event.value is not None:
            explicit = str(event.value)
    captured = Event(lead.id, lead.captured_at.astimezone(tz), CAPTURED)
    result = Facts(
        policy, lead, tz, now.astimezone(tz), captured, history, stage, None, blocked_by(history)
    )
    if explicit is not None:
        result.grade = explicit
        return result
    for spec in policy.grades:
        if spec.min_score is not None and (score is None or score < spec.min_score):
            continue
        if spec.when is not None and not holds(spec.when, result):
            continue
        result.grade = spec.grade
        break
    return result


def number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def same(a: object, b: object) -> bool:
    """Equal, equal as numbers, or equal as words whatever the capitals."""
    if a == b:
        return True
    left, right = number(a), number(b)
    if left is not None and right is not None:
        return left == right
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def attribute_holds(test: AttributeTest, value: object) -> bool:
    given_ = test.model_fields_set
    if test.present is not None and (value is not None) != test.present:
        return False
    if value is None:
        return test.present is False
    if "is_" in given_ and not same(value, test.is_):
        return False
    if "is_not" in given_ and same(value, test.is_not):
        return False
    if test.in_ is not None and not any(same(value, option) for option in test.in_):
        return False
    if test.not_in is not None and any(same(value, option) for option in test.not_in):
        return False
    n = number(value)
    for bound, ok in (
        (test.below, lambda x, b: x < b),
        (test.at_most, lambda x, b: x <= b),
        (test.above, lambda x, b: x > b),
        (test.at_least, lambda x, b: x >= b),
    ):
        if bound is not None and (n is None or not ok(n, bound)):
            return False
    return True


def holds(condition: Condition, f: Facts, anchor: Event | None = None) -> bool:
    """A condition as the policy language documents it; every key given must hold."""
    c = condition
    if c.grade is not None and f.grade not in c.grade:
        return False
    if c.grade_not is not None and f.grade in c.grade_not:
        return False
    if c.stage is not None and f.stage not in c.stage:
        return False
    if c.stage_not is not None and f.stage in c.stage_not:
        return False
    for name, test in (c.attributes or {}).items():
        if not attribute_holds(test, f.lead.attributes.get(name)):
            return False
    if c.happened is not None and not happened(c.happened, f):
        return False
    if c.not_happened is not None and happened(c.not_happened, f):
        return False
    if c.last_touch is not None:
        touches = [e for e in f.history if e.type == "touch"]
        last = EventMatch(event="touch", channel=c.last_touch.channel, outcome=c.last_touch.outcome)
        if not touches or not matches(last, touches[-1]):
            return False
    if c.anchor is not None:  # the event that started the rule, whatever its type
        a = c.anchor
        if (
            anchor is None
            or (a.channel and anchor.channel not in a.channel)
            or (a.outcome and anchor.outcome not in a.outcome)
            or (a.value and value_text(anchor.value) not in a.value)
        ):
            return False
    if c.all_ is not None and not all(holds(sub, f, anchor) for sub in c.all_):
        return False
    if c.any_ is not None and not any(holds(sub, f, anchor) for sub in c.any_):
        return False
    return c.not_ is None or not holds(c.not_, f, anchor)


def happened(test: Any, f: Facts) -> bool:
    """A matching event after the latest ``since`` event and within the period before now."""
    start: datetime | None = None
    if test.since is not None:
        bound = f.of_type(test.since)
        start = bound[-1].at if bound else None
    if test.within is not None:
        window = calendar_of(f.policy).subtract(f.now, test.within)
        start = window if start is None or utc(window) > utc(start) else start
    return any(
        (start is None or utc(e.at) > utc(start)) and (test.event == CAPTURED or matches(test, e))
        for e in f.of_type(test.event)
    )


def stopped(f: Facts) -> bool:
    return f.blocked >= set(CHANNELS) or any(holds(s.when, f) for s in f.policy.stops)


def choose(choices: Sequence[ChannelChoice], f: Facts, anchor: Event | None) -> str | None:
    """The first channel of a choice that the lead has not opted out of and whose test holds."""
    for choice in choices:
        if choice.use not in f.blocked and (choice.when is None or holds(choice.when, f, anchor)):
            return choice.use
    return None


def in_window(start: time, end: time, clock: time) -> bool:
    """Inside a daily window: start included, end excluded, crossing midnight if end <= start."""
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def touches_in(times: Sequence[datetime], start: datetime, end: datetime) -> int:
    """How many of ``times`` are in ``(start, end]``, compared as instants."""
    low, high = start.astimezone(UTC), end.astimezone(UTC)
    return sum(1 for t in times if low < t.astimezone(UTC) <= high)


ELAPSED = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}


def window_start(policy: Policy, within: Duration, end: datetime, tz: tzinfo) -> datetime:
    """Where the rolling window of a cap that ends at ``end`` starts (UTC): windows in hours,
    days and weeks are elapsed time (7 days = 168 hours across DST changes); months and business
    days follow the calendar on the lead's wall clock."""
    if within.unit in ELAPSED:
        return end.astimezone(UTC) - within.amount * ELAPSED[within.unit]
    return calendar_of(policy).subtract(end.astimezone(tz), within).astimezone(UTC)
