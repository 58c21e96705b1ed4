"""Invariant 7: an obligation is escalated (reassigned) exactly when it was not met and its
escalation (reassignment) time has come, and then to the lead's manager.

The expected follow-ups are worked out from the documented semantics of obligations (the oracle:
``_oracle.py``), with ``now`` drawn near the moments they fall due. Over the shipped policies and
generated ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.calendar import zone
from cadence.engine import Engine
from cadence.policy import Policy
from cadence.policy.conditions import CAPTURED
from cadence.records import Event, Lead
from tests.properties._inputs import NAMES, OFFSETS, evaluate, generated, shipped
from tests.properties._oracle import (
    calendar_of,
    choose,
    day_start,
    facts,
    holds,
    matches,
    stopped,
    utc,
)


def expected_follow_ups(
    policy: Policy, lead: Lead, events: list[Event], now: datetime
) -> set[tuple[str, str]]:
    """``(rule, kind)`` of every escalation and reassignment the obligations call for as of now,
    from the documented semantics: the clock starts at the latest matching ``after`` event; the
    deadline is ``within`` after it; the obligation is met by a ``met_by`` event (default: a touch
    on the chosen channel) at or after the anchor; an unmet obligation is escalated (reassigned)
    once ``escalate`` (``reassign``) has passed since the deadline."""
    f = facts(policy, lead, events, now)
    if stopped(f):
        return set()
    business, start_of_day = calendar_of(policy), day_start(policy)
    found: set[tuple[str, str]] = set()
    for rule in policy.rules:
        spec = rule.obligation
        if spec is None or spec.if_missed is None:
            continue
        if rule.when is not None and not holds(rule.when, f):
            continue
        if rule.until is not None and holds(rule.until, f):
            continue
        anchor = f.latest(spec.after, spec.occurrence)
        if anchor is None:
            continue
        channel = None
        if spec.channel is not None:
            channel = choose(spec.channel, f, anchor)
            if channel is None:
                continue
        candidates = [e for e in f.history if e is not anchor and utc(e.at) >= utc(anchor.at)]
        if spec.met_by is not None:
            met = any(matches(m, e) for m in spec.met_by for e in candidates)
        else:
            met = any(e.type == "touch" and e.channel == channel for e in candidates)
        if met:
            continue
        deadline = business.add(anchor.at.astimezone(f.zone), spec.within, day_start=start_of_day)
        for kind, delay in (
            ("escalate", spec.if_missed.escalate),
            ("reassign", spec.if_missed.reassign),
        ):
            at = None if delay is None else business.add(deadline, delay, day_start=start_of_day)
            if at is not None and utc(f.now) >= utc(at):
                found.add((rule.id, kind))
    return found


def follow_up_times(policy: Policy, lead: Lead, events: list[Event]) -> list[datetime]:
    """Every moment an escalation or reassignment would fall due, for any anchor in the history:
    the edges where property 7 is worth checking."""
    tz = zone(lead.timezone or policy.timezone)
    business, start_of_day = calendar_of(policy), day_start(policy)
    times = []
    for rule in policy.rules:
        spec = rule.obligation
        if spec is None or spec.if_missed is None:
            continue
        if spec.after.event == CAPTURED:
            anchors = [lead.captured_at]
        else:
            anchors = [e.at for e in events if matches(spec.after, e)]
        for at in anchors:
            deadline = business.add(at.astimezone(tz), spec.within, day_start=start_of_day)
            for delay in (spec.if_missed.escalate, spec.if_missed.reassign):
                if delay is not None:
                    times.append(business.add(deadline, delay, day_start=start_of_day))
    return times


def check_escalations(
    data: st.DataObject,
    policy: Policy,
    engine: Engine,
    lead: Lead,
    events: list[Event],
    now: datetime,
) -> None:
    times = follow_up_times(policy, lead, events)
    if times and data.draw(st.booleans(), label="now near a follow-up time"):
        edge = data.draw(st.sampled_from(times), label="follow-up time")
        moved = edge + timedelta(minutes=data.draw(st.integers(-120, 120), label="minutes"))
        written = data.draw(st.sampled_from(OFFSETS), label="now written in")
        now = max(utc(moved), utc(lead.captured_at)).astimezone(written)
    actions = evaluate(policy, engine, lead, events, now)
    got = {(a.rule, a.kind) for a in actions if a.kind in ("escalate", "reassign")}
    want = expected_follow_ups(policy, lead, events, now)
    assert got == want
    for action in actions:
        if action.kind in ("escalate", "reassign"):
            assert action.assignee == lead.manager


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_escalation_exactly_when_an_obligation_is_missed(name: str, data: st.DataObject) -> None:
    policy, engine, case = shipped(data, name)
    check_escalations(data, policy, engine, *case)


@given(data=st.data())
def test_escalation_exactly_when_an_obligation_is_missed_small_policies(
    data: st.DataObject,
) -> None:
    policy, engine, case = generated(data)
    check_escalations(data, policy, engine, *case)
