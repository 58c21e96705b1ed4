"""``cadence diff``: the changes between two policies in words, and the leads whose actions change.

The sentences and the ``-``/``+`` lines are golden: a compliance reader reads them as they are.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cadence.commands.diff import EPILOG, diff
from cadence.engine import Engine
from cadence.policy import load_policy, parse_policy
from cadence.policy.diff import compare_actions, describe_changes, render_changes
from cadence.records import Event, Lead

ROOT = Path(__file__).resolve().parents[2]
CST = timezone(timedelta(hours=8))

OLD = """
policy: small
timezone: Asia/Shanghai
calendar: {country: CN}
grades:
  - {grade: A, min_score: 80}
  - {grade: B, min_score: 50}
  - {grade: C}
caps:
  - {id: weekly, max: 3, within: 7 days}
rules:
  - id: first-contact
    title: First contact
    when: {grade: [A, B]}
    obligation:
      after: captured
      within: 7 days
      channel: phone
      if_missed: {escalate: 0 days}
  - id: weekly-call
    refs: [R1]
    cadence:
      every: 1 week
      channel: phone
      backoff: {multiply: 2}
  - id: greetings
    greeting: {on: public holidays, channel: sms, at: "10:00"}
"""

NEW = """
policy: small
timezone: Asia/Shanghai
events: [show_closed]
grades:
  - {grade: A, min_score: 80}
  - {grade: B, min_score: 50}
  - {grade: C}
caps:
  - {id: weekly, max: 2, within: 7 days}
rules:
  - id: first-contact
    title: First contact
    when: {grade: [A]}
    obligation:
      after: captured
      within: 5 business days
      channel: phone
      if_missed: {escalate: 1 day}
  - id: weekly-call
    refs: [R1, R2]
    cadence:
      every: 1 week
      channel: email
      backoff: {multiply: 3}
  - id: thank-you
    title: Thank the visitor
    obligation: {after: show_closed, within: 1 day, channel: email}
"""


def test_the_changes_rule_by_rule() -> None:
    assert describe_changes(parse_policy(OLD), parse_policy(NEW)) == [
        "the country of the public holidays is removed (was CN)",
        "events declared added: show_closed",
        "cap weekly: the maximum number of contacts changes from 3 to 2",
        "rule greetings is removed: a greeting: by sms on public holidays at 10:00",
        "rule thank-you is added: an obligation (Thank the visitor): "
        "a contact by email within 1 day after show_closed",
        "rule first-contact: its condition changes: grade A, B → grade A",
        "rule first-contact: the deadline changes from 7 days to 5 business days after capture",
        "rule first-contact: escalation after the deadline changes from 0 days to 1 day",
        "rule weekly-call: refs added: R2",
        "rule weekly-call: the channel changes from phone to email",
        "rules[weekly-call].cadence.backoff.multiply: 2 → 3",
    ]


def test_identical_policies_have_no_changes() -> None:
    assert describe_changes(parse_policy(OLD), parse_policy(OLD)) == []
    shipped = load_policy(ROOT / "policies" / "post_show.yaml")
    assert describe_changes(shipped, shipped) == []


def test_rules_are_matched_by_id_not_position() -> None:
    head, _, rules = OLD.partition("rules:\n")
    first, second, third = rules.split("  - id: ")[1:]
    reordered = f"{head}rules:\n  - id: {third}  - id: {first}  - id: {second}"
    assert describe_changes(parse_policy(OLD), parse_policy(reordered)) == [
        "the order of the rules changes: first-contact, weekly-call, greetings → "
        "greetings, first-contact, weekly-call"
    ]


def test_a_change_deep_in_a_condition_is_reported() -> None:
    base = OLD.replace(
        "when: {grade: [A, B]}",
        "when: {any: [{grade: A}, {not: {attributes: {distance_km: {below: 50}}}}]}",
    )
    changed = base.replace("below: 50", "below: 40")
    assert describe_changes(parse_policy(base), parse_policy(changed)) == [
        "rule first-contact: its condition changes: "
        "any of (grade A or not (distance_km below 50)) → "
        "any of (grade A or not (distance_km below 40))"
    ]


def test_policy_wide_settings() -> None:
    old = """
policy: wide
timezone: Asia/Shanghai
working_hours: {start: "09:00", end: "18:00", channels: [phone]}
quiet_hours:
  - {start: "21:00", end: "08:00"}
stages: [contacted, won, lost]
grades:
  - {grade: A, min_score: 80}
  - {grade: B}
stops:
  - {id: lost, when: {stage: lost}}
rules:
  - id: call
    assignee: owner
    sequence:
      after: captured
      steps:
        - {at: 1 day, channel: phone}
        - {at: 3 days, channel: email}
"""
    new = """
policy: wide
timezone: Europe/Berlin
working_hours: {start: "08:30", end: "18:00", channels: [phone, visit]}
quiet_hours:
  - {start: "20:00", end: "08:00", channels: [sms]}
stages: [contacted, won, lost, dormant]
grades:
  - {grade: A, min_score: 70}
  - {grade: B}
stops:
  - {id: lost, when: {stage: [lost, dormant]}}
rules:
  - id: call
    assignee: manager
    sequence:
      after: captured
      occurrence: first
      steps:
        - {at: 2 days, channel: phone}
      then: {every: 1 month, channel: email}
"""
    assert describe_changes(parse_policy(old), parse_policy(new)) == [
        "the time zone changes from Asia/Shanghai to Europe/Berlin",
        "the start of the working hours changes from 09:00 to 08:30",
        "the channels held to working hours added: visit",
        "the quiet hours: the start changes from 21:00 to 20:00",
        "the quiet hours: the channels it covers changes from every channel to sms",
        "stages declared added: dormant",
        "grade A: the lowest score changes from 80 to 70",
        "stop lost: its condition changes: stage lost → stage lost, dormant",
        "rule call: who acts on it changes from owner to manager",
        "rule call: which occurrence of the anchor event counts changes from latest to first",
        "rule call, step 1: the offset changes from 1 day to 2 days",
        "rule call, step 2 is removed: at 3 days, channel email",
        "rule call: the repetition after the last step is set to every 1 month, channel email",
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("every: 1 week", "every: 2 weeks"),
        ("backoff: {multiply: 2}", "backoff: {multiply: 2, on: [declined, put_off]}"),
        ("backoff: {multiply: 2}", "backoff: {multiply: 2, switch_to: email}"),
        ("within: 7 days}", "within: 7 days, channels: [phone]}"),
        ('at: "10:00"', 'at: "11:00"'),
        ("title: First contact", "title: First personal contact"),
        ("after: captured", "after: {event: captured}\n      occurrence: first"),
        ("if_missed: {escalate: 0 days}", "if_missed: {escalate: 0 days, reassign: 7 days}"),
    ],
)
def test_every_difference_is_reported(before: str, after: str) -> None:
    assert before in OLD
    changed = OLD.replace(before, after, 1)
    assert len(describe_changes(parse_policy(OLD), parse_policy(changed))) == 1


def _actions_data() -> tuple[dict[str, Lead], dict[str, list[Event]], datetime]:
    captured = datetime(2025, 4, 25, 10, 0, tzinfo=CST)
    leads = {
        "L2": Lead("L2", captured, owner="Bo", score=60),
        "L1": Lead("L1", captured, owner="Ann", score=90),
    }
    events = {"L1": [Event("L1", datetime(2025, 4, 26, 18, 0, tzinfo=CST), "show_closed")]}
    return leads, events, datetime(2025, 4, 28, 9, 0, tzinfo=CST)


def test_the_leads_whose_actions_change() -> None:
    leads, events, now = _actions_data()
    old, new = Engine(parse_policy(OLD)), Engine(parse_policy(NEW))
    changes = compare_actions(old, new, leads, events, now)
    assert [c.lead_id for c in changes] == ["L1", "L2"]
    assert render_changes(changes) == [
        "- L1 greetings contact sms due 2025-05-01 10:00 for Ann "
        "(Send Labor Day greetings by sms on 2025-05-01.)",
        "- L1 weekly-call contact phone due 2025-05-02 10:00 for Ann "
        "(Contact by phone: at least every 1 week; last counted: captured on 2025-04-25 10:00.)",
        "+ L1 thank-you contact email due 2025-04-27 18:00 for Ann "
        "(Contact by email within 1 day: Show closed on 2025-04-26 18:00, nothing done since.)",
        "+ L1 weekly-call contact email due 2025-05-05 09:00 for Ann "
        "(Contact by email: at least every 1 week; last counted: captured on 2025-04-25 10:00.)",
        "- L2 greetings contact sms due 2025-05-01 10:00 for Bo "
        "(Send Labor Day greetings by sms on 2025-05-01.)",
        "- L2 first-contact contact phone due 2025-05-02 10:00 for Bo "
        "(Contact by phone within 7 days: Captured on 2025-04-25 10:00, nothing done since.)",
        "- L2 weekly-call contact phone due 2025-05-02 10:00 for Bo "
        "(Contact by phone: at least every 1 week; last counted: captured on 2025-04-25 10:00.)",
        "+ L2 weekly-call contact email due 2025-05-02 10:00 for Bo "
        "(Contact by email: at least every 1 week; last counted: captured on 2025-04-25 10:00.)",
    ]


def test_the_same_policy_changes_no_lead() -> None:
    leads, events, now = _actions_data()
    engine = Engine(parse_policy(OLD))
    assert compare_actions(engine, Engine(parse_policy(OLD)), leads, events, now) == []


# -- the command ------------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command(epilog=EPILOG)(diff)
    app.command("other")(lambda: None)  # two commands: 'diff' is then named on the command line
    return app


def _run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(_app(), ["diff", *map(str, args)])
    return result.exit_code, result.output


SHOW = [
    "--leads",
    ROOT / "examples/show/leads.jsonl",
    "--events",
    ROOT / "examples/show/events.jsonl",
]


def _modified(tmp_path: Path) -> Path:
    text = (ROOT / "policies" / "post_show.yaml").read_text(encoding="utf-8")
    changed = text.replace("within: 7 days              # R003-4", "within: 3 days  #", 1)
    assert changed != text
    path = tmp_path / "my_post_show.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def test_the_command_on_one_lead_of_the_show(tmp_path: Path) -> None:
    code, output = _run(
        ROOT / "policies/post_show.yaml",
        _modified(tmp_path),
        *SHOW,
        "--now",
        "2025-04-28T09:00:00+08:00",
        "--lead",
        "L0002",
    )
    assert code == 0, output
    lines = output.splitlines()
    assert lines[:3] == [
        "rule first-contact: the deadline changes from 7 days to 3 days after capture",
        "",
        "1 of 1 leads get different actions:",
    ]
    assert (
        "- L0002 first-contact contact phone due 2025-05-06 09:00 for Gao Feng "
        "(Make the first personal contact within 7 days: "
        "Captured on 2025-04-25 14:13, nothing done since.)"
    ) in lines
    assert (
        "+ L0002 first-contact contact phone due 2025-04-28 14:13 for Gao Feng "
        "(Make the first personal contact within 3 days: "
        "Captured on 2025-04-25 14:13, nothing done since.)"
    ) in lines
    assert all(line[:8] in ("- L0002 ", "+ L0002 ") for line in lines[3:])


def test_the_command_without_data_and_without_change() -> None:
    policy = ROOT / "policies/post_show.yaml"
    assert _run(policy, policy) == (0, "No change in the rules.\n")


def test_the_command_exit_codes(tmp_path: Path) -> None:
    policy = ROOT / "policies/post_show.yaml"
    broken = tmp_path / "broken.yaml"
    broken.write_text("policy: broken\ntimezone: Asia/Shanghai\nrules: []\n", encoding="utf-8")
    assert _run(policy, broken)[0] == 1
    code, output = _run(policy, policy, "--leads", ROOT / "examples/show/leads.jsonl")
    assert code == 2
    assert "--leads and --events go together" in output
    code, output = _run(policy, policy, *SHOW, "--lead", "L9999", "--now", "2025-04-28")
    assert code == 2
    assert "no lead 'L9999'" in output
    assert "No change in the rules." not in output
