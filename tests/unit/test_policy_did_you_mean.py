"""The policy loader's suggestions: a misspelt key, channel, stage, grade, event or country is
answered with "did you mean" and the nearest known name, whatever the capitals of grades and
countries.
"""

from __future__ import annotations

import pytest

from tests.unit._policy_text import problems


def one_rule(top: str = "", rule: str = "", channel: str = "phone") -> str:
    """A policy of one monthly rule, with more top-level keys and more keys in the rule."""
    return (
        f"policy: p\ntimezone: Asia/Shanghai\n{top}rules:\n  - id: r\n{rule}"
        f"    cadence: {{every: 1 month, channel: {channel}}}\n"
    )


@pytest.mark.parametrize(
    ("policy", "suggestion"),
    [
        pytest.param(one_rule("calender: {country: CN}\n"), "calendar", id="key"),
        pytest.param(one_rule(rule="    whn: {stage: new}\n"), "when", id="rule-key"),
        pytest.param(one_rule(channel="emali"), "email", id="channel"),
        pytest.param(one_rule(channel="wechta"), "wechat", id="channel-2"),
        pytest.param(
            one_rule("stages: [new, quoted]\n", "    when: {stage: [qouted]}\n"),
            "quoted",
            id="stage",
        ),
        pytest.param(
            one_rule("grades: [{grade: AA}, {grade: B}]\n", "    when: {grade_not: [A]}\n"),
            "AA",
            id="grade",
        ),
        pytest.param(
            one_rule("events: [contract_signed]\n", "    until: {happened: contract_signd}\n"),
            "contract_signed",
            id="domain-event",
        ),
        pytest.param(
            one_rule(rule="    until: {happened: replied}\n"), "reply", id="builtin-event"
        ),
        pytest.param(one_rule("calendar: {country: USS}\n"), "US", id="country"),
    ],
)
def test_did_you_mean(policy: str, suggestion: str) -> None:
    (found,) = problems(policy)
    assert f"did you mean '{suggestion}'?" in found


@pytest.mark.parametrize(
    ("policy", "suggestion"),
    [
        pytest.param(
            one_rule("grades: [{grade: A}, {grade: B}]\n", "    when: {grade: [a]}\n"),
            "A",
            id="grade",
        ),
        pytest.param(one_rule("calendar: {country: cn}\n"), "CN", id="country"),
    ],
)
def test_did_you_mean_ignores_case(policy: str, suggestion: str) -> None:
    (found,) = problems(policy)
    assert f"did you mean '{suggestion}'?" in found
