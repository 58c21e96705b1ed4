"""The incremental API: a LeadTracker fed a lead's events one at a time answers, at every step,
exactly what ``Engine.next_actions`` answers on the whole history given so far, whether the
events come in time order (folded in) or not (replayed whole), and whatever ``now`` is."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.engine import Engine
from cadence.policy import Policy, load_policy
from cadence.testing import lead_histories, small_policies

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
SHIPPED = {
    p.stem: load_policy(p) for p in sorted(POLICY_DIR.glob("*.yaml")) if ".cases" not in p.name
}
ENGINES = {name: Engine(policy) for name, policy in SHIPPED.items()}


def _follow(engine: Engine, data: st.DataObject, shuffle: bool) -> None:
    lead, events, now = data.draw(lead_histories(engine.policy), label="lead, events, now")
    if shuffle:
        events = data.draw(st.permutations(events), label="arrival order")
    tracker = engine.track(lead)
    given = []
    for event in events:
        tracker.add(event)
        given.append(event)
        # As of the event (the usual service loop), and as of the drawn `now`, which may be
        # before some events: those must not count.
        for moment in (event.at, event.at + timedelta(hours=1), now):
            assert tracker.next_actions(moment) == engine.next_actions(lead, given, moment)
    assert tracker.events == tuple(events)
    assert tracker.next_actions(now) == engine.next_actions(lead, events, now)


@pytest.mark.parametrize("name", sorted(SHIPPED))
@given(data=st.data())
def test_tracker_equals_next_actions_on_shipped_policies(name: str, data: st.DataObject) -> None:
    _follow(ENGINES[name], data, shuffle=False)


@pytest.mark.parametrize("name", sorted(SHIPPED))
@given(data=st.data())
def test_tracker_equals_next_actions_out_of_order(name: str, data: st.DataObject) -> None:
    _follow(ENGINES[name], data, shuffle=True)


@given(policy=small_policies(), data=st.data())
def test_tracker_equals_next_actions_on_generated_policies(
    policy: Policy, data: st.DataObject
) -> None:
    _follow(Engine(policy), data, shuffle=data.draw(st.booleans(), label="shuffle"))


@given(data=st.data())
def test_in_order_events_are_never_replayed_whole(data: st.DataObject) -> None:
    engine = ENGINES["post_show"]
    lead, events, _ = data.draw(lead_histories(engine.policy))
    tracker = engine.track(lead)
    latest = None
    for event in events:  # lead_histories gives events in time order
        tracker.add(event)
        # By instant: two times in one zone compare by wall clock, which misorders the hour
        # the clocks go back over (02:58 before, 02:00 after the change).
        latest = event.at if latest is None or event.stamp > latest.timestamp() else latest
        tracker.next_actions(latest.astimezone(UTC) + timedelta(minutes=1))
    assert tracker.full_replays == 0


def _as_time_passes(engine: Engine, data: st.DataObject) -> None:
    lead, events, _ = data.draw(lead_histories(engine.policy), label="lead, events")
    tracker = engine.track(lead, events)
    # In UTC: adding minutes to a zone's wall clock would drop the fold of a repeated hour.
    moment = max([lead.captured_at, *(e.at for e in events)], key=lambda t: t.timestamp())
    moment = moment.astimezone(UTC)
    waits = data.draw(
        st.lists(st.integers(min_value=0, max_value=21 * 24 * 60), min_size=1, max_size=8),
        label="minutes between asks",
    )
    for minutes in waits:
        # The same history asked again later: what the tracker remembers from one ask (what a
        # timeless rule asks, a greeting's next occasion) must still be right at the next.
        moment = moment + timedelta(minutes=minutes)
        assert tracker.next_actions(moment) == engine.next_actions(lead, events, moment)
    assert tracker.full_replays == 0


@pytest.mark.parametrize("name", sorted(SHIPPED))
@given(data=st.data())
def test_a_tracker_asked_as_time_passes_equals_next_actions(name: str, data: st.DataObject) -> None:
    _as_time_passes(ENGINES[name], data)


@given(policy=small_policies(), data=st.data())
def test_a_tracker_asked_as_time_passes_equals_next_actions_on_generated_policies(
    policy: Policy, data: st.DataObject
) -> None:
    _as_time_passes(Engine(policy), data)
