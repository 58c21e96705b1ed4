"""The YAML 1.1 pitfalls the policy loader steps around: ``on`` as a key, unquoted times
(sexagesimal numbers in YAML 1.1) and ``24:00``, the country ``NO``, and merge keys.
"""

from __future__ import annotations

from datetime import time

from cadence.errors import PolicyError
from cadence.policy import parse_policy
from tests.unit._policy_text import text


def test_on_as_a_key_stays_on() -> None:
    policy = parse_policy(
        text(
            """
            policy: p
            timezone: Asia/Shanghai
            rules:
              - id: birthday
                greeting: {on: birthday, channel: sms, at: "10:00"}
              - id: r
                cadence:
                  every: 1 month
                  channel: phone
                  backoff: {on: [declined, no_answer], multiply: 2}
            """
        ),
        "p.yaml",
    )
    greeting = policy.rules[0].greeting
    assert greeting is not None and greeting.on == "birthday"
    cadence = policy.rules[1].cadence
    assert cadence is not None and cadence.backoff is not None
    assert cadence.backoff.on == ("declined", "no_answer")


def test_unquoted_times_are_read_as_times() -> None:
    # YAML 1.1 reads 21:00 as the number 1260 (base 60); 08:00 stays text
    policy = parse_policy(
        text(
            """
            policy: p
            timezone: Asia/Shanghai
            working_hours: {start: 08:30, end: 17:45}
            quiet_hours:
              - {start: 21:00, end: 08:00}
            rules:
              - id: r
                greeting: {on: birthday, channel: sms, at: 10:00}
            """
        ),
        "p.yaml",
    )
    assert policy.working_hours is not None
    assert (policy.working_hours.start, policy.working_hours.end) == (time(8, 30), time(17, 45))
    assert (policy.quiet_hours[0].start, policy.quiet_hours[0].end) == (time(21), time(8))
    greeting = policy.rules[0].greeting
    assert greeting is not None and greeting.at == time(10)


def test_unquoted_24_00_is_the_end_of_the_day_like_quoted() -> None:
    policy = parse_policy(
        text(
            """
            policy: p
            timezone: Asia/Shanghai
            working_hours: {start: 09:00, end: 24:00}
            rules:
              - {id: r, cadence: {every: 1 month, channel: phone}}
            """
        ),
        "p.yaml",
    )
    assert policy.working_hours is not None
    assert policy.working_hours.end == time(23, 59, 59, 999999)


def test_country_no_is_norway() -> None:
    policy_text = text(
        """
        policy: p
        timezone: Europe/Oslo
        calendar: {country: NO}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """
    )
    try:
        policy = parse_policy(policy_text, "p.yaml")
    except PolicyError as error:
        assert "quote" in str(error)
    else:
        assert policy.calendar.country == "NO"


def test_a_merge_key_can_be_overridden() -> None:
    policy = parse_policy(
        text(
            """
            policy: p
            timezone: Asia/Shanghai
            rules:
              - &monthly {id: monthly, cadence: {every: 1 month, channel: phone}}
              - <<: *monthly
                id: quarterly
                cadence: {every: 3 months, channel: phone}
            """
        ),
        "p.yaml",
    )
    assert [rule.id for rule in policy.rules] == ["monthly", "quarterly"]
