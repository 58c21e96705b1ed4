"""Invariant 1, consent: no contact on a channel the lead opted out of, and nothing at all after
a full opt-out.

Over the shipped policies and generated ones, with a few more opt-outs and opt-ins drawn into each
history; the lead's consent is replayed by the oracle (``_oracle.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.engine import Engine
from cadence.policy import Policy
from cadence.records import CHANNELS, Event, Lead
from tests.properties._inputs import NAMES, evaluate, generated, shipped
from tests.properties._oracle import blocked_by, history_of


def extra_opt_outs(data: st.DataObject, lead: Lead, now: datetime) -> list[Event]:
    """A few more opt-outs and opt-ins between capture and ``now``, to stress consent."""
    span = max(0, int((now - lead.captured_at).total_seconds() // 60))
    drawn = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(("opt_out", "opt_out", "opt_in")),
                st.sampled_from((None, *CHANNELS)),
                st.integers(0, span),
            ),
            max_size=4,
        ),
        label="more consent events",
    )
    return [
        Event(lead.id, lead.captured_at + timedelta(minutes=m), kind, channel)
        for kind, channel, m in drawn
    ]


def check_consent(
    policy: Policy, engine: Engine, lead: Lead, events: list[Event], now: datetime
) -> None:
    actions = evaluate(policy, engine, lead, events, now)
    blocked = blocked_by(history_of(events, now))
    if blocked >= set(CHANNELS):
        assert actions == [], "a lead opted out of every channel gets no action at all"
    for action in actions:
        if action.kind == "contact":
            assert action.channel not in blocked, (
                f"{action.rule}: contact on {action.channel}, opted out"
            )


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_no_contact_on_a_channel_opted_out_of(name: str, data: st.DataObject) -> None:
    policy, engine, (lead, events, now) = shipped(data, name)
    check_consent(policy, engine, lead, events + extra_opt_outs(data, lead, now), now)


@given(data=st.data())
def test_no_contact_on_a_channel_opted_out_of_small_policies(data: st.DataObject) -> None:
    policy, engine, (lead, events, now) = generated(data)
    check_consent(policy, engine, lead, events + extra_opt_outs(data, lead, now), now)
