"""Invariant 8, purity: the same answer twice, with another lead evaluated in between, from
``next_actions`` and from ``explain``, and the inputs untouched.

Over the shipped policies and generated ones.
"""

from __future__ import annotations

import copy
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.engine import Engine
from cadence.policy import Policy
from cadence.records import Event, Lead
from cadence.testing import lead_histories
from tests.properties._inputs import CASES, NAMES, Case, dicts, evaluate, generated, shipped


def check_purity(
    policy: Policy, engine: Engine, other: Case, lead: Lead, events: list[Event], now: datetime
) -> None:
    lead_before, events_before = copy.deepcopy(lead), list(events)
    attributes_before = dict(lead.attributes)
    first = dicts(evaluate(policy, engine, lead, events, now))
    evaluate(policy, engine, *other)  # another lead in between: no state carried over
    assert dicts(engine.next_actions(lead, events, now)) == first
    assert dicts(engine.explain(lead, events, now).actions) == first
    assert lead == lead_before and dict(lead.attributes) == attributes_before
    assert events == events_before and all(
        a is b for a, b in zip(events, events_before, strict=True)
    )


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_evaluation_is_pure(name: str, data: st.DataObject) -> None:
    policy, engine, case = shipped(data, name)
    other = data.draw(CASES[name], label="another lead")
    check_purity(policy, engine, other, *case)


@given(data=st.data())
def test_evaluation_is_pure_small_policies(data: st.DataObject) -> None:
    policy, engine, case = generated(data)
    other = data.draw(lead_histories(policy), label="another lead")
    check_purity(policy, engine, other, *case)
