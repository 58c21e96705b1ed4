"""The policy loader's error messages, golden: one case per way of making each mistake, each code
of ``POLICY_CODES`` at its exact ``line:column`` with its exact message, and every code has one.

Policies are given as text under the name ``p.yaml`` and compared as the command prints them
(``_policy_text.py``).
"""

from __future__ import annotations

import pytest

from cadence.errors import POLICY_CODES
from tests.unit._policy_text import CHANNELS, DURATION, RULE_KEYS, codes_of, problems

POLICY_KEYS = (
    "(expected one of: policy, title, version, effective_from, owner, timezone, calendar, "
    "working_hours, quiet_hours, stages, events, grades, stops, caps, rules, invariants)"
)
EVENTS = "assigned, captured, grade, opt_in, opt_out, quote_sent, reply, score, stage, touch"


# One golden case per way of making each mistake: (code, policy, the lines printed).
GOLDEN: list[tuple[str, str, list[str]]] = [
    (
        "yaml-syntax",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            cadence: {every: 1 month, channel: phone
        """,
        [
            "p.yaml:6:1: yaml-syntax: while parsing a flow mapping expected ',' or '}', but got "
            "'<stream end>'"
        ],
    ),
    (
        "yaml-syntax",
        """
        policy: p
          timezone: Asia/Shanghai
        """,
        ["p.yaml:2:11: yaml-syntax: mapping values are not allowed here"],
    ),
    (
        "yaml-syntax",
        "policy: p\ntimezone: Asia/Shanghai\nrules:\n\t- id: r\n",
        [
            "p.yaml:4:1: yaml-syntax: while scanning for the next token found character '\\t' "
            "that cannot start any token"
        ],
    ),
    (
        "not-a-mapping",
        """
        - policy: p
        - timezone: Asia/Shanghai
        """,
        [
            "p.yaml:1:1: not-a-mapping: a policy file is a mapping with at least 'policy', "
            "'timezone' and 'rules'"
        ],
    ),
    (
        "not-a-mapping",
        "",
        [
            "p.yaml:1:1: not-a-mapping: a policy file is a mapping with at least 'policy', "
            "'timezone' and 'rules'"
        ],
    ),
    (
        "unknown-key",
        """
        policy: p
        timezone: Asia/Shanghai
        calender: {country: CN}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        [
            "p.yaml:3:1: unknown-key: unknown key 'calender' in the policy; did you mean "
            f"'calendar'? {POLICY_KEYS}"
        ],
    ),
    (
        "unknown-key",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            whn: {stage: new}
            cadence: {every: 1 month, channel: phone}
        """,
        [
            "p.yaml:5:5: unknown-key: unknown key 'whn' in 'rules[0]'; did you mean 'when'? "
            + RULE_KEYS
        ],
    ),
    (
        "unknown-key",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            when: {attributes: {distance_km: {belw: 50}}}
            cadence: {every: 1 month, channel: phone}
        """,
        [
            "p.yaml:5:39: unknown-key: unknown key 'belw' in 'rules[0].when.attributes.distance_km'"
            "; did you mean 'below'? (expected one of: is, is_not, in, not_in, below, at_most, "
            "above, at_least, present)"
        ],
    ),
    (
        "missing-key",
        """
        policy: p
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        ["p.yaml:1:1: missing-key: the policy needs the key 'timezone'"],
    ),
    (
        "missing-key",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            cadence: {every: 1 month}
        """,
        ["p.yaml:5:14: missing-key: 'rules[0].cadence' needs the key 'channel'"],
    ),
    (
        "bad-value",
        """
        policy: p
        timezone: Asia/Shanghai
        caps:
          - {id: c, max: 0, within: 7 days}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        [
            "p.yaml:4:18: bad-value: 'caps[0].max': Input should be greater than or equal to 1, "
            "got 0"
        ],
    ),
    (
        "bad-value",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            say: call them
        """,
        [
            "p.yaml:4:5: bad-value: a rule needs exactly one of: obligation, cadence, sequence, "
            "greeting"
        ],
    ),
    (
        "bad-value",
        """
        policy: p
        timezone: Asia/Shanghai
        calendar: {working_days: [mon, tues]}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        [
            "p.yaml:3:32: bad-value: unknown weekday 'tues'; did you mean 'tue'? "
            "(known: fri, mon, sat, sun, thu, tue, wed)"
        ],
    ),
    (
        "bad-value",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            assignee: boss
            cadence: {every: 1 month, channel: phone}
        """,
        [
            "p.yaml:5:15: bad-value: 'rules[0].assignee': Input should be 'owner' or 'manager', "
            "got 'boss'"
        ],
    ),
    (
        "bad-duration",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            cadence: {every: 1 fortnight, channel: phone}
        """,
        [f"p.yaml:5:22: bad-duration: {DURATION}, got '1 fortnight'"],
    ),
    (
        "bad-duration",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            cadence: {every: 7, channel: phone}
        """,
        ["p.yaml:5:22: bad-duration: a duration needs a unit: write '7 days' or '7 hours'"],
    ),
    (
        "bad-time",
        """
        policy: p
        timezone: Asia/Shanghai
        quiet_hours:
          - {start: "25:00", end: "08:00"}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        ["p.yaml:4:13: bad-time: expected a time of day 'HH:MM' such as '09:00', got '25:00'"],
    ),
    (
        "bad-time",
        """
        policy: p
        timezone: Asia/Shanghai
        working_hours: {start: "09:00", end: 6pm}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        ["p.yaml:3:38: bad-time: expected a time of day 'HH:MM' such as '09:00', got '6pm'"],
    ),
    (
        "unknown-channel",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            cadence: {every: 1 month, channel: fone}
        """,
        [f"p.yaml:5:40: unknown-channel: unknown channel 'fone'; did you mean 'phone'? {CHANNELS}"],
    ),
    (
        "unknown-channel",
        """
        policy: p
        timezone: Asia/Shanghai
        caps:
          - {id: c, max: 3, within: 7 days, channels: [phone, emial]}
        rules:
          - id: r
            cadence:
              every: 1 month
              channel: phone
              backoff: {switch_to: telegram}
        """,
        [
            "p.yaml:4:55: unknown-channel: unknown channel 'emial'; did you mean 'email'? "
            + CHANNELS,
            f"p.yaml:10:28: unknown-channel: unknown channel 'telegram' {CHANNELS}",
        ],
    ),
    (
        "unknown-stage",
        """
        policy: p
        timezone: Asia/Shanghai
        stages: [new, contacted, won]
        rules:
          - id: r
            when: {stage_not: [wn]}
            cadence: {every: 1 month, channel: phone}
        """,
        [
            "p.yaml:6:24: unknown-stage: unknown stage 'wn'; did you mean 'won'? "
            "(known: contacted, new, won)"
        ],
    ),
    (
        "unknown-stage",
        """
        policy: p
        timezone: Asia/Shanghai
        stages: [new, contacted, won]
        rules:
          - id: r
            until: {happened: {event: stage, value: [contacted, wonn]}}
            cadence: {every: 1 month, channel: phone}
        """,
        [
            "p.yaml:6:57: unknown-stage: unknown stage 'wonn'; did you mean 'won'? "
            "(known: contacted, new, won)"
        ],
    ),
    (
        "unknown-grade",
        """
        policy: p
        timezone: Asia/Shanghai
        grades:
          - {grade: A, min_score: 80}
          - {grade: B}
        rules:
          - id: r
            when: {grade: [AA]}
            cadence: {every: 1 month, channel: phone}
        """,
        ["p.yaml:8:20: unknown-grade: unknown grade 'AA'; did you mean 'A'? (known: A, B)"],
    ),
    (
        "unknown-grade",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            when: {grade: [A]}
            cadence: {every: 1 month, channel: phone}
        """,
        ["p.yaml:5:20: unknown-grade: unknown grade 'A' (the policy declares no grades)"],
    ),
    (
        "unknown-event",
        """
        policy: p
        timezone: Asia/Shanghai
        events: [quote_sent]
        rules:
          - id: r
            until: {happened: quote_snt}
            cadence: {every: 1 month, channel: phone}
        """,
        [
            "p.yaml:6:23: unknown-event: unknown event type 'quote_snt'; declare domain events "
            f"under 'events:'; did you mean 'quote_sent'? (known: {EVENTS})"
        ],
    ),
    (
        "unknown-event",
        """
        policy: p
        timezone: Asia/Shanghai
        events: [quote_sent]
        rules:
          - id: r
            until: {not_happened: {event: reply, since: quote_snt}}
            cadence: {every: 1 month, channel: phone}
        """,
        [
            "p.yaml:6:49: unknown-event: unknown event type 'quote_snt'; did you mean "
            f"'quote_sent'? (known: {EVENTS})"
        ],
    ),
    (
        "unknown-timezone",
        """
        policy: p
        timezone: Asia/Shanghia
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        [
            "p.yaml:2:11: unknown-timezone: unknown time zone 'Asia/Shanghia'; use an IANA name "
            "such as 'Asia/Shanghai'"
        ],
    ),
    (
        "unknown-country",
        """
        policy: p
        timezone: Asia/Shanghai
        calendar: {country: CNN}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        [
            "p.yaml:3:21: unknown-country: unknown country 'CNN' in the holidays package; did you "
            "mean 'CN'?"
        ],
    ),
    (
        "unknown-country",
        """
        policy: p
        timezone: America/New_York
        calendar: {country: US, subdivision: XX}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        ["p.yaml:3:38: unknown-country: unknown subdivision 'XX' of US"],
    ),
    (
        "duplicate-id",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
          - {id: r, cadence: {every: 2 months, channel: email}}
        """,
        [
            "p.yaml:5:10: duplicate-id: the id 'r' is already used by an earlier rule; ids must "
            "be unique"
        ],
    ),
    (
        "duplicate-id",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - {id: weekly, cadence: {every: 1 week, channel: phone}}
        caps:
          - {id: weekly, max: 3, within: 7 days}
        """,
        [
            "p.yaml:6:10: duplicate-id: the id 'weekly' is already used by an earlier rule; ids "
            "must be unique"
        ],
    ),
    (
        "duplicate-key",
        """
        policy: p
        timezone: Asia/Shanghai
        timezone: Europe/Berlin
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        ["p.yaml:3:1: duplicate-key: the key 'timezone' appears twice here; keep one"],
    ),
    (
        "conflict",
        """
        policy: p
        timezone: Asia/Shanghai
        working_hours: {start: "18:00", end: "09:00"}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        ["p.yaml:3:16: conflict: working hours must start before they end on the same day"],
    ),
    (
        "conflict",
        """
        policy: p
        timezone: Asia/Shanghai
        quiet_hours:
          - {start: "21:00", end: "21:00"}
        rules:
          - {id: r, cadence: {every: 1 month, channel: phone}}
        """,
        ["p.yaml:4:5: conflict: a quiet window must not start and end at the same time"],
    ),
    (
        "conflict",
        """
        policy: p
        timezone: Asia/Shanghai
        rules:
          - id: r
            greeting: {on: public holidays, channel: sms, at: "10:00"}
        """,
        [
            "p.yaml:5:20: conflict: greetings on public holidays need 'calendar: country:' to "
            "know the holidays"
        ],
    ),
]


def test_every_policy_code_has_a_golden_case() -> None:
    assert {code for code, _, _ in GOLDEN} == set(POLICY_CODES)


@pytest.mark.parametrize(
    ("code", "policy", "expected"),
    GOLDEN,
    ids=[f"{code}-{n}" for n, (code, _, _) in enumerate(GOLDEN)],
)
def test_golden_problem(code: str, policy: str, expected: list[str]) -> None:
    found = problems(policy)
    assert found == expected
    assert codes_of(found) == {code}
