"""Policies given as text to the loader, and the problems it finds in them, for the policy loader's
tests (``test_policy_*.py``).

Policies are given as text to :func:`cadence.policy.parse_policy` under the name ``p.yaml``; what a
test compares is ``str(problem)``, the line the command prints. The constants are the fixed parts
of the messages that several modules compare.
"""

from __future__ import annotations

import textwrap

import pytest

from cadence.errors import PolicyError
from cadence.policy import parse_policy

CHANNELS = "(known: email, phone, post, sms, visit, wechat)"
RULE_KEYS = (
    "(expected one of: id, refs, title, say, when, until, assignee, obligation, cadence, sequence, "
    "greeting)"
)
DURATION = (
    "expected a duration '<whole number> <unit>' with unit hours, days, business days, weeks or "
    "months, for example '7 days' or '2 business days'"
)


def text(policy: str) -> str:
    return textwrap.dedent(policy).lstrip("\n")


def problems(policy: str) -> list[str]:
    """The problems of a policy given as text, as the command prints them."""
    with pytest.raises(PolicyError) as error:
        parse_policy(text(policy), "p.yaml")
    found = [str(problem) for problem in error.value.problems]
    assert "Traceback" not in str(error.value)
    return found


def codes_of(lines: list[str]) -> set[str]:
    return {line.split(": ")[1] for line in lines}
