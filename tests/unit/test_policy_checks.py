"""The policy loader's checks beyond the golden cases: values a schema alone would let through (a
cadence of zero days, a part that is not a mapping), a valid policy that loads whole and that the
engine takes, and the same checks for a policy built in code (the engine refuses it).
"""

from __future__ import annotations

import pytest

from cadence.durations import Duration
from cadence.engine import Engine
from cadence.errors import PolicyError
from cadence.policy import Policy, parse_policy
from cadence.policy.models import Cadence, Rule
from tests.unit._policy_text import CHANNELS, codes_of, problems, text


def test_a_cadence_of_zero_days_is_refused() -> None:
    found = problems(
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - {id: r, cadence: {every: 0 days, channel: phone}}
        """
    )
    assert codes_of(found) == {"bad-value"}


def test_a_part_that_is_not_a_mapping() -> None:
    (found,) = problems(
        """
        policy: p
        timezone: Asia/Shanghai
        calendar: CN
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """
    )
    assert found.startswith("p.yaml:3:11: not-a-mapping: ")
    assert "CalendarSpec" not in found


def test_a_valid_policy_loads() -> None:
    policy = parse_policy(
        text(
            """
            policy: follow-up
            title: A small follow-up policy
            timezone: Asia/Shanghai
            calendar: {country: CN}
            working_hours: {start: "09:00", end: "18:00", channels: [phone, visit]}
            quiet_hours:
              - {start: "21:00", end: "08:00"}
            stages: [new, contacted, won, lost]
            events: [quote_sent]
            grades:
              - {grade: A, min_score: 80}
              - {grade: B}
            stops:
              - {id: lost, when: {stage: lost}}
            caps:
              - {id: weekly, max: 3, within: 7 days}
            rules:
              - id: first-contact
                refs: [R1]
                obligation:
                  after: captured
                  within: 2 business days
                  channel: [{when: {grade: A}, use: phone}, {use: email}]
                  if_missed: {escalate: 0 days}
              - id: chase-quote
                when: {happened: quote_sent}
                cadence: {every: 1 week, channel: phone}
            """
        ),
        "p.yaml",
    )
    assert isinstance(policy, Policy)
    assert policy.policy == "follow-up"
    assert policy.calendar.country == "CN"
    assert [rule.id for rule in policy.rules] == ["first-contact", "chase-quote"]
    obligation = policy.rules[0].obligation
    assert obligation is not None
    assert obligation.within == Duration(2, "business_days")
    assert [choice.use for choice in obligation.channel or ()] == ["phone", "email"]
    Engine(policy)  # and the engine takes it


def test_a_policy_built_in_code_with_a_bad_channel_is_refused_by_the_engine() -> None:
    policy = Policy(
        policy="p",
        timezone="Asia/Shanghai",
        rules=(Rule(id="r", cadence=Cadence(every="1 month", channel="fone")),),
    )
    with pytest.raises(PolicyError) as error:
        Engine(policy)
    (problem,) = error.value.problems
    assert problem.code == "unknown-channel"
    assert problem.message == (
        f"'rules[0].cadence.channel[0].use': unknown channel 'fone'; did you mean 'phone'? "
        f"{CHANNELS}"
    )
