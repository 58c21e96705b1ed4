"""The reference backend: the pure-Python engine, the source of truth every backend must match."""

from __future__ import annotations

from cadence.engine import Engine
from cadence.policy.models import Policy


def create(policy: Policy) -> Engine:
    """An engine that decides the policy's conditions by its own compiled predicates."""
    return Engine(policy)
