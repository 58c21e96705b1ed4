"""The policy language: models, loader, checks."""

from __future__ import annotations

from cadence.policy.loader import load_policy, parse_policy
from cadence.policy.models import Policy

__all__ = ["Policy", "load_policy", "parse_policy"]
