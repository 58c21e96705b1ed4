"""``cadence verify``: it finds planted faults, finds nothing in the shipped policies, is
deterministic with its seed, and writes what it finds as a case file."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from cadence.cases import load_cases, parse_cases, run_case
from cadence.cli import app
from cadence.engine import Engine
from cadence.errors import PolicyError
from cadence.policy import load_policy, parse_policy
from cadence.verify import render, to_case_yaml, verify

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
SHIPPED = sorted(p for p in POLICY_DIR.glob("*.yaml") if not p.name.endswith(".cases.yaml"))

SMS_TOO_OFTEN = """
policy: sms-too-often
timezone: Asia/Shanghai
quiet_hours:
  - {start: "21:00", end: "08:00"}
rules:
  - id: sms-every-2-days
    refs: [R-1]
    cadence: {every: 2 days, channel: sms}
invariants:
  - id: at-most-2-sms-a-week
    refs: [R-2]
    at_most: {contacts: 2, within: 7 days, channels: [sms]}
"""

PHONE_TOO_RARE = """
policy: phone-too-rare
timezone: Europe/Berlin
stages: [new, won, lost]
stops:
  - {id: closed, when: {stage: [won, lost]}}
rules:
  - id: call-every-10-days
    cadence: {every: 10 days, channel: phone}
invariants:
  - id: phone-weekly
    until: {stage: [won, lost]}
    at_least_every: {within: 7 days, channel: phone}
"""

FORGETS_NEW_LEADS = """
policy: forgets-new-leads
timezone: Asia/Shanghai
stages: [new, contacted, won, lost]
stops:
  - {id: closed, when: {stage: [won, lost]}}
rules:
  - id: follow-contacted
    when: {stage: contacted}
    cadence: {every: 7 days, channel: email}
"""

NEVER_ESCALATES = """
policy: never-escalates
timezone: Asia/Shanghai
rules:
  - id: first-call
    refs: [R003-4]
    say: Call the new lead
    # The fault: "for new leads" stops holding before the escalation is due.
    when: {happened: {event: captured, within: 7 days}}
    obligation:
      after: captured
      within: 5 days
      channel: phone
      if_missed: {escalate: 3 days}
  - id: keep-in-touch
    cadence: {every: 1 month, channel: email}
"""

NURTURE_OUTRUNS_CAP = """
policy: nurture-outruns-cap
timezone: Asia/Shanghai
caps:
  - {id: sms-weekly, refs: [R004-8], max: 1, within: 7 days, channels: [sms]}
rules:
  - id: nurture
    refs: [R004-3]
    say: Text a home-decoration tip
    sequence:
      after: captured
      steps:
        - {at: 1 day, channel: sms}
        - {at: 3 days, channel: sms}
      then: {every: 3 days, channel: sms}
"""

QUIET_NIGHTS = """
policy: quiet-nights
timezone: Asia/Shanghai
quiet_hours:
  - {start: "21:00", end: "08:00"}
rules:
  - id: call-weekly
    cadence: {every: 7 days, channel: phone}
"""

HOLDS = """
policy: holds
timezone: Asia/Shanghai
rules:
  - id: sms-weekly
    cadence: {every: 8 days, channel: sms}
invariants:
  - id: at-most-2-sms-a-week
    at_most: {contacts: 2, within: 7 days, channels: [sms]}
"""


def test_finds_a_cadence_that_outruns_an_at_most_invariant() -> None:
    found = verify(parse_policy(SMS_TOO_OFTEN), examples=100, seed=0)
    assert found is not None
    assert found.invariant == "at-most-2-sms-a-week"
    assert "sms-every-2-days" in found.rules
    assert len([t for t in found.touches if t[1].channel == "sms"]) >= 1
    text = render(found)
    assert "at-most-2-sms-a-week" in text and "sms-every-2-days" in text


def test_finds_a_cadence_too_slow_for_an_at_least_every_invariant() -> None:
    found = verify(parse_policy(PHONE_TOO_RARE), examples=100, seed=0)
    assert found is not None
    assert found.invariant == "phone-weekly"
    assert "no phone touch" in found.message


def test_finds_a_lead_the_policy_forgets() -> None:
    found = verify(parse_policy(FORGETS_NEW_LEADS), examples=100, seed=0)
    assert found is not None
    assert found.invariant == "coverage"
    assert found.actions == ()


def test_finds_an_obligation_that_never_escalates() -> None:
    found = verify(parse_policy(NEVER_ESCALATES), examples=200, seed=0)
    assert found is not None
    assert found.invariant == "escalation"
    assert found.rules == ("first-call",)
    assert "fell due unmet" in found.message and "the policy asks no escalation" in found.message
    assert not [a for a in found.actions if a.kind == "escalate"]


def test_finds_a_sequence_that_outruns_its_own_cap() -> None:
    found = verify(parse_policy(NURTURE_OUTRUNS_CAP), examples=100, seed=0)
    assert found is not None
    assert found.invariant == "outruns_cap"
    assert found.rules == ("nurture",)
    assert "cap sms-weekly allows (1 within 7 days)" in found.message
    assert found.caps_lifted
    assert "with the caps lifted" in render(found)


def test_where_two_rules_compete_the_cap_decides_and_nothing_is_found() -> None:
    policy = parse_policy(
        """
        policy: compete
        timezone: Asia/Shanghai
        caps:
          - {id: one-a-day, max: 1, within: 1 day}
        rules:
          - id: call
            cadence: {every: 7 days, channel: phone}
          - id: mail
            cadence: {every: 7 days, channel: email}
        """
    )
    assert verify(policy, examples=60, seed=0) is None


@pytest.mark.interpreted_engine
def test_finds_an_engine_that_keeps_quiet_hours_in_the_policys_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A policy cannot put quiet hours in another zone than the lead's, so the fault is planted
    # in the engine: contacts are placed by the clock of Shanghai, whatever the lead's zone.
    import cadence.engine.evaluate

    policy = parse_policy(QUIET_NIGHTS)
    shanghai = ZoneInfo("Asia/Shanghai")
    place = cadence.engine.evaluate.place

    def in_the_policys_zone(compiled: Any, state: Any, *rest: Any) -> dict[int, float]:
        zone, state.zone = state.zone, shanghai
        try:
            return place(compiled, state, *rest)
        finally:
            state.zone = zone

    assert verify(policy, examples=100, seed=0) is None
    monkeypatch.setattr(cadence.engine.evaluate, "place", in_the_policys_zone)
    found = verify(policy, examples=100, seed=0)
    assert found is not None
    assert found.invariant == "quiet_hours"
    assert found.zone != "Asia/Shanghai"
    assert "inside the quiet hours 21:00-08:00 in the lead's zone" in found.message


@pytest.mark.interpreted_engine
def test_finds_an_engine_that_escalates_an_obligation_met_on_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Planted in the engine: it never sees what meets an obligation, so it always escalates.
    import cadence.engine.rules

    policy = load_policy(POLICY_DIR / "post_show.yaml")
    assert verify(policy, examples=200, seed=0) is None
    monkeypatch.setattr(cadence.engine.rules, "first_meeting", lambda *_: None)
    found = verify(policy, examples=200, seed=0)
    assert found is not None
    assert found.invariant == "escalation"
    assert "escalated, yet the obligation was met on time" in found.message


def test_finds_nothing_where_the_invariant_holds() -> None:
    assert verify(parse_policy(HOLDS), examples=50, seed=0) is None


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_finds_nothing_in_the_shipped_policies(path: Path) -> None:
    found = verify(load_policy(path), examples=50, seed=0)
    assert found is None, render(found) if found is not None else ""


def test_the_same_seed_gives_the_same_answer() -> None:
    policy = parse_policy(SMS_TOO_OFTEN)
    first = verify(policy, examples=60, seed=3)
    second = verify(policy, examples=60, seed=3)
    assert first is not None and second is not None
    assert render(first) == render(second)


def test_the_case_written_reads_back_and_passes(tmp_path: Path) -> None:
    policy = parse_policy(SMS_TOO_OFTEN)
    found = verify(policy, examples=60, seed=0)
    assert found is not None
    path = tmp_path / "found.cases.yaml"
    path.write_text(to_case_yaml(found), encoding="utf-8")
    (case,) = load_cases(path, default_timezone=policy.timezone)
    assert case.lead == found.lead
    assert run_case(Engine(policy), case).passed
    assert parse_cases(to_case_yaml(found), default_timezone=policy.timezone)


def test_invariant_needs_exactly_one_kind() -> None:
    with pytest.raises(PolicyError):
        parse_policy(
            """
            policy: p
            timezone: Asia/Shanghai
            rules: [{id: r, cadence: {every: 1 week, channel: phone}}]
            invariants: [{id: i}]
            """
        )


def test_invariant_names_are_checked() -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(
            """
            policy: p
            timezone: Asia/Shanghai
            rules: [{id: r, cadence: {every: 1 week, channel: phone}}]
            invariants:
              - {id: r, at_least_every: {within: 7 days, channel: fone}}
              - {id: i, at_most: {contacts: 1, within: 1 day, channels: [smss]}}
            """
        )
    codes = sorted(p.code for p in raised.value.problems)
    assert codes == ["duplicate-id", "unknown-channel", "unknown-channel"]


def test_command(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMS_TOO_OFTEN, encoding="utf-8")
    saved = tmp_path / "bad.cases.yaml"
    result = runner.invoke(app, ["verify", str(bad), "--examples", "50", "--save-case", str(saved)])
    assert result.exit_code == 1, result.output
    assert "at-most-2-sms-a-week" in result.output
    assert load_cases(saved, default_timezone="Asia/Shanghai")
    good = tmp_path / "good.yaml"
    good.write_text(HOLDS, encoding="utf-8")
    result = runner.invoke(app, ["verify", str(good), "--examples", "20"])
    assert result.exit_code == 0, result.output
    assert "no violation in 20 examples" in result.output
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("policy: p\ntimezone: Asia/Shanghai\nrules: []\n", encoding="utf-8")
    assert runner.invoke(app, ["verify", str(invalid)]).exit_code == 1
