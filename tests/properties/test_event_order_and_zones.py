"""Invariant 5: the answer depends neither on the order of the events nor on the zones ``now`` and
the events are written in (events at one instant keep their order).

Over the shipped policies and generated ones. Defect D5 (events in the repeated hour misordered)
was found here; its regression test is in ``test_known_defects.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.engine import Engine
from cadence.policy import Policy
from cadence.records import Event, Lead
from tests.properties._inputs import NAMES, OFFSETS, dicts, evaluate, generated, shipped


def rewrite(event: Event, at: datetime) -> Event:
    return Event(event.lead_id, at, event.type, event.channel, event.outcome, event.value)


def reorder(events: list[Event], order: Sequence[int]) -> list[Event]:
    """``events`` shuffled by ``order``, except that events at one instant keep their order."""
    shuffled = [events[i] for i in order]
    by_instant: dict[datetime, list[Event]] = {}
    for event in events:
        by_instant.setdefault(event.at.astimezone(UTC), []).append(event)
    queues = {key: iter(group) for key, group in by_instant.items()}
    return [next(queues[event.at.astimezone(UTC)]) for event in shuffled]


def check_order_and_zone(
    data: st.DataObject,
    policy: Policy,
    engine: Engine,
    lead: Lead,
    events: list[Event],
    now: datetime,
) -> None:
    expected = dicts(evaluate(policy, engine, lead, events, now))
    order = data.draw(st.permutations(range(len(events))), label="order")
    assert dicts(engine.next_actions(lead, reorder(events, order), now)) == expected
    written = data.draw(st.sampled_from(OFFSETS), label="now written in")
    assert dicts(engine.next_actions(lead, events, now.astimezone(written))) == expected
    zones = data.draw(
        st.lists(st.sampled_from(OFFSETS), min_size=len(events), max_size=len(events)),
        label="events written in",
    )
    rewritten = [rewrite(e, e.at.astimezone(tz)) for e, tz in zip(events, zones, strict=True)]
    assert dicts(engine.next_actions(lead, rewritten, now)) == expected


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_output_depends_neither_on_event_order_nor_on_the_zone_of_now(
    name: str, data: st.DataObject
) -> None:
    policy, engine, case = shipped(data, name)
    check_order_and_zone(data, policy, engine, *case)


@given(data=st.data())
def test_output_depends_neither_on_event_order_nor_on_the_zone_of_now_small_policies(
    data: st.DataObject,
) -> None:
    policy, engine, case = generated(data)
    check_order_and_zone(data, policy, engine, *case)
