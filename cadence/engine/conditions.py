"""Conditions and event matches compiled into plain Python predicates, once per policy.

A compiled condition is ``(state, anchor) -> bool``; ``anchor`` is the event that started the rule
being evaluated (for ``anchor:`` tests), or ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from cadence.calendar import BusinessCalendar
from cadence.durations import Duration
from cadence.engine.state import LeadState
from cadence.policy.conditions import AttributeTest, Condition, EventMatch, EventTest
from cadence.records import Event

Predicate = Callable[[LeadState, Event | None], bool]
EventPredicate = Callable[[Event], bool]


def _always(_: Event) -> bool:
    return True


def compile_event_match(match: EventMatch) -> EventPredicate:
    """A test of one event against the match's channel, outcome and value (its type is looked up
    by the caller through the state's index)."""
    channels = frozenset(match.channel) if match.channel else None
    outcomes = frozenset(match.outcome) if match.outcome else None
    values = frozenset(match.value) if match.value else None
    if channels is None and outcomes is None and values is None:
        return _always

    def test(event: Event) -> bool:
        if channels is not None and event.channel not in channels:
            return False
        if outcomes is not None and event.outcome not in outcomes:
            return False
        return values is None or _value_text(event.value) in values

    return test


def _value_text(value: object) -> str | None:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def since(calendar: BusinessCalendar, now: datetime, duration: Duration) -> datetime:
    """The moment ``duration`` before ``now`` (the start of a ``within`` window)."""
    return calendar.subtract(now, duration)


def reads_now(condition: Condition | None) -> bool:
    """Whether a condition's truth can change with time alone (an event test ``within`` a
    period that ends now), not only with the lead's history."""
    if condition is None:
        return False
    c = condition
    if any(t is not None and t.within is not None for t in (c.happened, c.not_happened)):
        return True
    return any(reads_now(sub) for sub in (*(c.all_ or ()), *(c.any_ or ()), c.not_))


def types_read(condition: Condition | None) -> frozenset[str]:
    """The event types whose events a condition looks at (besides the lead's grade and
    attributes, and the anchor it is given): its event tests, the last touch, and ``stage``
    when it tests the stage (which the stage events set)."""
    if condition is None:
        return frozenset()
    c = condition
    found: set[str] = set()
    if c.stage is not None or c.stage_not is not None:
        found.add("stage")
    for test in (c.happened, c.not_happened):
        if test is not None:
            found.add(test.event)
            if test.since is not None:
                found.add(test.since)
    if c.last_touch is not None:
        found.add("touch")
    for sub in (*(c.all_ or ()), *(c.any_ or ()), c.not_):
        found |= types_read(sub)
    return frozenset(found)


def compile_condition(condition: Condition, calendar: BusinessCalendar) -> Predicate:
    """Compile a condition into one predicate: every key given must hold."""
    tests: list[Predicate] = []
    c = condition
    if c.grade is not None:
        tests.append(_in("grade", frozenset(c.grade)))
    if c.grade_not is not None:
        tests.append(_not(_in("grade", frozenset(c.grade_not))))
    if c.stage is not None:
        tests.append(_in("stage", frozenset(c.stage)))
    if c.stage_not is not None:
        tests.append(_not(_in("stage", frozenset(c.stage_not))))
    for name, attribute_test in (c.attributes or {}).items():
        tests.append(_attribute(name, attribute_test))
    if c.happened is not None:
        tests.append(_event_test(c.happened, calendar))
    if c.not_happened is not None:
        tests.append(_not(_event_test(c.not_happened, calendar)))
    if c.last_touch is not None:
        matcher = compile_event_match(
            EventMatch(event="touch", channel=c.last_touch.channel, outcome=c.last_touch.outcome)
        )
        tests.append(lambda s, _a: bool(s.touches) and matcher(s.touches[-1]))
    if c.anchor is not None:
        anchor_match = compile_event_match(
            EventMatch(
                event="touch",
                channel=c.anchor.channel,
                outcome=c.anchor.outcome,
                value=c.anchor.value,
            )
        )
        tests.append(lambda _s, a: a is not None and anchor_match(a))
    for sub in c.all_ or ():
        tests.append(compile_condition(sub, calendar))
    if c.any_ is not None:
        options = [compile_condition(sub, calendar) for sub in c.any_]
        tests.append(lambda s, a: any(option(s, a) for option in options))
    if c.not_ is not None:
        tests.append(_not(compile_condition(c.not_, calendar)))
    if len(tests) == 1:
        return tests[0]
    return lambda s, a: all(test(s, a) for test in tests)


def _in(field: str, allowed: frozenset[str]) -> Predicate:
    if field == "grade":
        return lambda s, _a: s.grade in allowed
    return lambda s, _a: s.stage in allowed


def _not(test: Predicate) -> Predicate:
    return lambda s, a: not test(s, a)


def _event_test(spec: EventTest, calendar: BusinessCalendar) -> Predicate:
    matcher = compile_event_match(spec)
    event_type, since_type, within = spec.event, spec.since, spec.within

    def test(state: LeadState, _anchor: Event | None) -> bool:
        start: float | None = None  # an instant (a timestamp): events at or before it are out
        if since_type is not None:
            bound = state.latest(since_type)
            start = bound.stamp if bound is not None else None
        if within is not None:
            window = since(calendar, state.now, within).timestamp()
            start = window if start is None or window > start else start
        for event in reversed(state.of_type(event_type)):
            if start is not None and event.stamp <= start:
                return False
            if matcher(event):
                return True
        return False

    return test


def _number(value: Any) -> float | None:
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


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    left, right = _number(a), _number(b)
    if left is not None and right is not None:
        return left == right
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def _attribute(name: str, spec: AttributeTest) -> Predicate:
    checks: list[Callable[[Any], bool]] = []
    given = spec.model_fields_set
    if "is_" in given:
        checks.append(lambda v: _same(v, spec.is_))
    if "is_not" in given:
        checks.append(lambda v: not _same(v, spec.is_not))
    if spec.in_ is not None:
        options = spec.in_
        checks.append(lambda v: any(_same(v, o) for o in options))
    if spec.not_in is not None:
        excluded = spec.not_in
        checks.append(lambda v: not any(_same(v, o) for o in excluded))
    for bound, compare in (
        (spec.below, float.__lt__),
        (spec.at_most, float.__le__),
        (spec.above, float.__gt__),
        (spec.at_least, float.__ge__),
    ):
        if bound is not None:
            checks.append(_compare(compare, bound))
    present = spec.present

    def test(state: LeadState, _anchor: Event | None) -> bool:
        value = state.attributes.get(name)
        if present is not None and (value is not None) != present:
            return False
        if value is None:
            return present is False or (not checks)
        return all(check(value) for check in checks)

    return test


def _compare(compare: Callable[[float, float], bool], bound: float) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        number = _number(value)
        return number is not None and compare(number, bound)

    return check
