"""Invariant 3, caps in the closed loop: carrying out the actions (``carry_out``, one step at a
time) never breaks a cap, in any rolling window of the cap that holds a touch made.

Over the shipped policies that have caps and generated ones (the oracle: ``_oracle.py``). Inputs
that hit defect D1 (a cap in months crashes in the hour the clocks go back over,
``test_known_defects.py``) are set aside: ``known_crash`` in ``_inputs.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from cadence.engine import Engine
from cadence.policy import Policy
from cadence.records import CHANNELS, Action, Event, Lead
from cadence.testing import carry_out
from tests.properties._inputs import WITH_CAPS, generated, known_crash, shipped
from tests.properties._oracle import facts, history_of, holds, touches_in, utc, window_start

STEPS = 8


def check_caps(
    policy: Policy, engine: Engine, lead: Lead, events: list[Event], now: datetime
) -> None:
    past = history_of(events, now)  # what is known at now; later events would be news
    # carry_out one step at a time, to know the state should the engine raise (defect D1)
    history, moment = list(past), now
    made: list[tuple[datetime, Action]] = []
    for _ in range(STEPS):
        try:
            step = carry_out(engine, lead, history, moment, 1)
        except ValueError as error:
            if "no moment keeps it" in str(error) and known_crash(policy, lead, history, moment):
                reject()
            raise
        if not step:
            break
        moment, action = step[0]
        assert utc(moment) >= utc(now) and utc(action.due) <= utc(moment)
        made.append((moment, action))
        history.append(Event(lead.id, moment, "touch", action.channel, "reached"))
    if not made:
        return
    f = facts(policy, lead, history, moment)
    touches = [e for e in f.history if e.type == "touch"]
    for cap in policy.caps:
        if cap.when is not None and not holds(cap.when, f):
            continue
        channels = set(cap.channels or CHANNELS)
        times = sorted(e.at.astimezone(UTC) for e in touches if e.channel in channels)
        for made_at, action in made:
            if action.channel not in channels:
                continue
            # every window (s - within, s] that holds this touch: s is this touch or a later one
            at = made_at.astimezone(UTC)
            for s in times:
                begin = window_start(policy, cap.within, s, f.zone)
                if s < at or begin >= at:
                    continue
                count = touches_in(times, begin, s)
                assert count <= cap.max, (
                    f"cap {cap.id} ({cap.max} within {cap.within}) broken: {count} touches in "
                    f"({begin.isoformat()}, {s.isoformat()}]; made: "
                    + ", ".join(f"{t.isoformat()} {a.channel} ({a.rule})" for t, a in made)
                )


@pytest.mark.parametrize("name", WITH_CAPS)
@given(data=st.data())
def test_carrying_out_the_actions_never_breaks_a_cap(name: str, data: st.DataObject) -> None:
    policy, engine, case = shipped(data, name)
    check_caps(policy, engine, *case)


@given(data=st.data())
def test_carrying_out_the_actions_never_breaks_a_cap_small_policies(data: st.DataObject) -> None:
    policy, engine, case = generated(data)
    check_caps(policy, engine, *case)
