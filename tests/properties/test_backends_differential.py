"""Differential tests: the durable backend gives exactly the reference engine's actions (and
explanations) on generated policies and histories and on the shipped policies; skipped, saying
why, where durable-rules is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadence import backends
from cadence.policy import Policy, load_policy
from cadence.testing import lead_histories, small_policies

pytestmark = pytest.mark.usefixtures("durable_available")

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
SHIPPED = {
    p.stem: load_policy(p) for p in sorted(POLICY_DIR.glob("*.yaml")) if ".cases" not in p.name
}


def _same(policy: Policy, data: st.DataObject) -> None:
    reference = backends.load("reference", policy)
    durable = backends.load("durable", policy)
    for _ in range(data.draw(st.integers(1, 3), label="leads")):
        lead, events, now = data.draw(lead_histories(policy), label="lead, events, now")
        assert durable.next_actions(lead, events, now) == reference.next_actions(lead, events, now)
        assert durable.explain(lead, events, now) == reference.explain(lead, events, now)


@given(policy=small_policies(), data=st.data())
def test_durable_equals_reference_on_generated_policies(
    policy: Policy, data: st.DataObject
) -> None:
    _same(policy, data)


@pytest.mark.parametrize("name", sorted(SHIPPED))
@given(data=st.data())
def test_durable_equals_reference_on_shipped_policies(name: str, data: st.DataObject) -> None:
    _same(SHIPPED[name], data)
