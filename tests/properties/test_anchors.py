"""Invariant 6: nothing is due before the lead was captured, nor before the event that started its
rule (the anchor of its obligation or sequence, replayed by the oracle: ``_oracle.py``).

Over the shipped policies and generated ones. Defect D3 (a greeting due before capture) was found
here; its regression test is in ``test_known_defects.py``.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence.engine import Engine
from cadence.policy import Policy
from cadence.records import Event, Lead
from tests.properties._inputs import NAMES, evaluate, generated, shipped
from tests.properties._oracle import facts, utc


def check_anchors(
    policy: Policy, engine: Engine, lead: Lead, events: list[Event], now: datetime
) -> None:
    f = facts(policy, lead, events, now)
    rules = {rule.id: rule for rule in policy.rules}
    for action in evaluate(policy, engine, lead, events, now):
        rule = rules[action.rule]
        assert utc(action.due) >= utc(lead.captured_at), (
            f"{action.rule}: {action.kind} due {action.due.isoformat()} before capture "
            f"{lead.captured_at.isoformat()}"
        )
        spec = rule.obligation or rule.sequence
        if spec is not None:
            anchor = f.latest(spec.after, spec.occurrence)
            assert anchor is not None, f"{action.rule}: an action without its anchor event"
            assert utc(action.due) >= utc(anchor.at), (
                f"{action.rule}: due {action.due.isoformat()} before its anchor {anchor}"
            )


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_nothing_is_due_before_its_anchor(name: str, data: st.DataObject) -> None:
    policy, engine, case = shipped(data, name)
    check_anchors(policy, engine, *case)


@given(data=st.data())
def test_nothing_is_due_before_its_anchor_small_policies(data: st.DataObject) -> None:
    policy, engine, case = generated(data)
    check_anchors(policy, engine, *case)
