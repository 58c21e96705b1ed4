"""The generated policies themselves (``cadence.testing.small_policies``, which the invariants
evaluate besides the shipped ones): each loads from its YAML and compiles.
"""

from __future__ import annotations

import yaml
from hypothesis import given

from cadence.engine import Engine
from cadence.policy import Policy, parse_policy
from cadence.testing import small_policies


@given(small_policies())
def test_small_policies_load_from_yaml_and_compile(policy: Policy) -> None:
    text = yaml.safe_dump(policy.model_dump(mode="json", by_alias=True, exclude_unset=True))
    assert parse_policy(text, "generated.yaml") == policy
    Engine(policy)
