"""``cadence lint``: one small policy per warning with its exact output, the warnings of the
shipped policies, and the command's exit codes (through a throwaway Typer app)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cadence.commands.lint import EPILOG, lint
from cadence.errors import WARNING_CODES, PolicyError
from cadence.policy.lint import format_warning, lint_file, lint_policy, read_regulations

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
REGULATIONS = ROOT / "docs" / "regulations.md"

HEAD = "policy: p\ntimezone: Asia/Shanghai\n"

#: code -> (policy, the warnings it gets, exactly). Only unknown-ref is linted with regulations.
GOLDEN: dict[str, tuple[str, list[str]]] = {
    "grade-unreachable": (
        HEAD
        + """grades:
  - {grade: A, min_score: 50}
  - {grade: B, min_score: 80}
  - {grade: C}
rules:
  - {id: r, refs: [R000-1], cadence: {every: 7 days, channel: email}}
""",
        [
            "p.yaml:5:27: warning grade-unreachable: grade 'B' can never be given by score: every "
            "score of 80 or more already gets the earlier grade 'A' (min_score 50); min_score "
            "must decrease down the list"
        ],
    ),
    "grade-gap": (
        HEAD
        + """grades:
  - {grade: A, min_score: 80}
  - {grade: B, min_score: 50}
rules:
  - {id: r, refs: [R000-1], cadence: {every: 7 days, channel: email}}
""",
        [
            "p.yaml:5:5: warning grade-gap: no catch-all last grade: leads with a score below 50 "
            "or without a score get no grade; add a last grade with neither min_score nor when, "
            "such as {grade: other}"
        ],
    ),
    "rule-never-fires": (
        HEAD
        + """stages: [new, won, lost]
grades:
  - {grade: A, min_score: 80}
  - {grade: B}
stops:
  - {id: closed, when: {stage: [won, lost]}}
rules:
  - id: call-a
    refs: [R001-3]
    when: {grade: A, grade_not: [A, B]}
    cadence: {every: 7 days, channel: phone}
  - id: thank-won
    refs: [R000-10]
    when: {stage: won}
    cadence: {every: 3 months, channel: phone}
""",
        [
            "p.yaml:12:11: warning rule-never-fires: rule 'call-a' can never fire: no grade "
            "satisfies both its 'grade' and 'grade_not' tests",
            "p.yaml:16:11: warning rule-never-fires: rule 'thank-won' can never fire: it requires "
            "the stage won, in which the stop 'closed' stops all follow-up",
        ],
    ),
    "cadence-exceeds-cap": (
        HEAD
        + """events: [quote_sent]
caps:
  - {id: weekly-sms, refs: [R004-8], max: 1, within: 7 days, channels: [sms]}
rules:
  - id: tips
    refs: [R004-3]
    cadence: {every: 3 days, channel: sms}
  - id: chase
    refs: [R004-14]
    sequence:
      after: quote_sent
      steps:
        - {at: 1 day, channel: sms}
        - {at: 2 days, channel: email}
        - {at: 4 days, channel: sms}
""",
        [
            "p.yaml:9:22: warning cadence-exceeds-cap: rule 'tips' asks for a cadence on sms at "
            "least every 3 days, but the cap 'weekly-sms' allows 1 contact in 7 days: the "
            "contacts will be later than the rule asks",
            "p.yaml:17:16: warning cadence-exceeds-cap: rule 'chase' puts 2 contacts (sms, sms) "
            "between 1 day and 4 days after its anchor, but the cap 'weekly-sms' allows 1 "
            "contact in 7 days: the later steps will be late",
        ],
    ),
    "no-contact-time": (
        HEAD
        + """working_hours: {start: "09:00", end: "18:00", channels: [phone]}
quiet_hours:
  - {start: "20:00", end: "08:00"}
  - {start: "08:00", end: "20:00", channels: [phone]}
rules:
  - {id: r, refs: [R000-1], cadence: {every: 7 days, channel: phone}}
""",
        [
            "p.yaml:4:1: warning no-contact-time: the quiet hours and working hours leave no "
            "time of day for contacts on phone: every phone contact the rules ask for can never "
            "be made"
        ],
    ),
    "reassign-before-escalate": (
        HEAD
        + """rules:
  - id: first-contact
    refs: [R003-4]
    obligation:
      after: captured
      within: 7 days
      channel: phone
      if_missed: {escalate: 2 days, reassign: 1 day}
""",
        [
            "p.yaml:10:47: warning reassign-before-escalate: rule 'first-contact' asks the "
            "manager to reassign the lead 1 day after the deadline, before escalating it (2 days "
            "after the deadline)"
        ],
    ),
    "instant-escalation": (
        HEAD
        + """rules:
  - id: first-contact
    refs: [R003-4]
    obligation:
      after: captured
      within: 0 hours
      channel: phone
      if_missed: {escalate: 0 hours}
""",
        [
            "p.yaml:10:29: warning instant-escalation: rule 'first-contact' is due at once "
            "(within 0 hours) and escalated at once (escalate 0 hours): every lead it applies to "
            "is escalated immediately"
        ],
    ),
    "unused-event": (
        HEAD
        + """events: [quote_sent, complaint]
rules:
  - {id: r, refs: [R000-1], obligation: {after: quote_sent, within: 2 days, channel: phone}}
""",
        [
            "p.yaml:3:22: note unused-event: the event 'complaint' is declared but no rule, "
            "stop or cap uses it"
        ],
    ),
    "unused-stage": (
        HEAD
        + """stages: [new, contacted, won]
rules:
  - {id: r, refs: [R000-1], when: {stage_not: won}, cadence: {every: 7 days, channel: email}}
""",
        [
            "p.yaml:3:15: note unused-stage: the stage 'contacted' is declared but no rule, "
            "stop or cap tests it"
        ],
    ),
    "unknown-ref": (
        HEAD
        + """rules:
  - {id: r, refs: [R000-1, R009-1], cadence: {every: 7 days, channel: email}}
""",
        ["p.yaml:4:28: warning unknown-ref: 'R009-1' is not a clause of the regulations"],
    ),
    "no-refs": (
        HEAD
        + """rules:
  - {id: r, cadence: {every: 7 days, channel: email}}
""",
        [
            "p.yaml:4:5: warning no-refs: rule 'r' cites no regulation clause; add 'refs:' with "
            "the clauses it encodes"
        ],
    ),
}


def lint_text(text: str, regulations: set[str] | None = None) -> list[str]:
    return [format_warning(p) for p in lint_policy(text, "p.yaml", regulations=regulations)]


def test_every_warning_code_has_a_golden_policy() -> None:
    assert set(GOLDEN) == set(WARNING_CODES)


@pytest.mark.parametrize("code", sorted(GOLDEN))
def test_golden_output(code: str) -> None:
    text, expected = GOLDEN[code]
    regulations = {"R000-1"} if code == "unknown-ref" else None
    assert lint_text(text, regulations) == expected


CLEAN = (
    HEAD
    + """grades:
  - {grade: A, min_score: 80}
  - {grade: B, min_score: 50}
  - {grade: C}
caps:
  - {id: daily, max: 1, within: 1 day}
rules:
  - {id: r, refs: [R000-1], when: {grade: [A, B]}, cadence: {every: 1 day, channel: phone}}
  - id: s
    refs: [R000-1]
    obligation:
      after: captured
      within: 1 day
      channel: email
      if_missed: {escalate: 0 days, reassign: 7 days}
"""
)


def test_no_false_alarm_at_the_limits() -> None:
    # one contact a day under a cap of one a day fits; a reassignment after the escalation is fine
    assert lint_text(CLEAN, {"R000-1"}) == []


def test_grades_with_conditions_do_not_hide_later_grades() -> None:
    text = (
        HEAD
        + """grades:
  - {grade: key, min_score: 90, when: {attributes: {existing_customer: true}}}
  - {grade: A, min_score: 95}
  - {grade: other}
rules:
  - {id: r, refs: [R000-1], cadence: {every: 7 days, channel: email}}
"""
    )
    assert lint_text(text) == []


def test_a_grade_after_the_catch_all_is_unreachable() -> None:
    text = (
        HEAD
        + """grades:
  - {grade: C}
  - {grade: A, min_score: 80}
rules:
  - {id: r, refs: [R000-1], cadence: {every: 7 days, channel: email}}
"""
    )
    assert lint_text(text) == [
        "p.yaml:5:13: warning grade-unreachable: grade 'A' can never be given by score: the "
        "earlier grade 'C' has no min_score and no when, so it takes every lead"
    ]


def test_a_condition_on_a_step_is_not_counted_against_a_cap() -> None:
    text = (
        HEAD
        + """events: [quote_sent]
caps:
  - {id: weekly, max: 1, within: 7 days}
rules:
  - id: chase
    refs: [R000-1]
    sequence:
      after: quote_sent
      steps:
        - {at: 1 day, channel: sms, when: {anchor: {channel: sms}}}
        - {at: 2 days, channel: sms, when: {anchor: {channel: phone}}}
"""
    )
    assert lint_text(text) == []


def test_contradictions_inside_all_and_happened() -> None:
    text = (
        HEAD
        + """events: [quote_sent]
rules:
  - id: r
    refs: [R000-1]
    when: {happened: quote_sent, all: [{not_happened: quote_sent}]}
    cadence: {every: 7 days, channel: email}
"""
    )
    assert lint_text(text) == [
        "p.yaml:7:11: warning rule-never-fires: rule 'r' can never fire: it requires that "
        "'quote_sent' both happened and did not happen"
    ]


def test_an_invalid_policy_raises_the_errors_of_check() -> None:
    with pytest.raises(PolicyError) as caught:
        lint_text(HEAD + "rules:\n  - {id: r, cadence: {every: 7 days, channel: emial}}\n")
    assert [p.code for p in caught.value.problems] == ["unknown-channel"]


# -- the shipped policies --------------------------------------------------------------------------

#: policy -> its warnings (code, message), in order. Each points at the name it is about; the
#: lines are not pinned, so that adding metadata at the top of a policy does not break this test.
SHIPPED: dict[str, list[tuple[str, str]]] = {
    "canton_fair": [
        ("unused-stage", "the stage 'contacted' is declared but no rule, stop or cap tests it"),
        ("unused-stage", "the stage 'quoted' is declared but no rule, stop or cap tests it"),
        ("unused-stage", "the stage 'negotiating' is declared but no rule, stop or cap tests it"),
    ],
    "intent_grades": [
        ("unused-stage", "the stage 'contacted' is declared but no rule, stop or cap tests it"),
        (
            "unused-stage",
            "the stage 'needs_analysis' is declared but no rule, stop or cap tests it",
        ),
        ("unused-stage", "the stage 'quoted' is declared but no rule, stop or cap tests it"),
        ("unused-stage", "the stage 'negotiating' is declared but no rule, stop or cap tests it"),
    ],
    "post_show": [],
    "renovation_sms": [
        ("unused-stage", "the stage 'visited' is declared but no rule, stop or cap tests it"),
        ("unused-stage", "the stage 'signed' is declared but no rule, stop or cap tests it"),
        (
            "unused-stage",
            "the stage 'construction' is declared but no rule, stop or cap tests it",
        ),
        ("unused-stage", "the stage 'completed' is declared but no rule, stop or cap tests it"),
    ],
    "quote_chase": [],
}


def test_the_regulations_list_the_clauses() -> None:
    clauses = read_regulations(REGULATIONS)
    assert {"R000-1", "R003-4", "R004-16"} <= clauses


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_shipped_policies(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    path = Path("policies") / f"{name}.yaml"
    warnings = lint_file(path, regulations=read_regulations(REGULATIONS))
    assert [(w.code, w.message) for w in warnings] == SHIPPED[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    for warning in warnings:
        assert warning.location.file == str(path)
        named = warning.message.split("'")[1]
        line, column = warning.location.line, warning.location.column or 0
        assert lines[line - 1][column - 1 :].startswith(named), format_warning(warning)


def test_every_shipped_policy_is_linted() -> None:
    shipped = {p.stem for p in POLICIES.glob("*.yaml") if not p.name.endswith(".cases.yaml")}
    assert shipped == set(SHIPPED)


# -- the command -----------------------------------------------------------------------------------


def app() -> typer.Typer:
    application = typer.Typer(add_completion=False)
    application.command(epilog=EPILOG)(lint)

    @application.callback()
    def main() -> None:
        """A throwaway app until cadence.cli registers lint."""

    return application


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app(), ["lint", *args])
    return result.exit_code, result.stdout, result.stderr


def test_command_exit_0_without_warnings(tmp_path: Path) -> None:
    policy = tmp_path / "clean.yaml"
    policy.write_text(CLEAN, encoding="utf-8")
    code, out, err = run(str(policy))
    assert (code, out, err) == (0, f"{policy}: ok, no warnings\n", "")


def test_command_exit_1_with_warnings_and_skips_case_files(tmp_path: Path) -> None:
    text, expected = GOLDEN["grade-gap"]
    policy = tmp_path / "p.yaml"
    policy.write_text(text, encoding="utf-8")
    (tmp_path / "p.cases.yaml").write_text("cases: []\n", encoding="utf-8")
    code, out, err = run(str(policy), str(tmp_path / "p.cases.yaml"))
    assert code == 1
    assert out.splitlines() == [line.replace("p.yaml", str(policy), 1) for line in expected]
    assert err == ""


def test_notes_do_not_count_unless_strict(tmp_path: Path) -> None:
    text, expected = GOLDEN["unused-stage"]
    policy = tmp_path / "p.yaml"
    policy.write_text(text, encoding="utf-8")
    notes = [line.replace("p.yaml", str(policy), 1) for line in expected]
    assert all(" note unused-stage: " in line for line in notes)
    code, out, _ = run(str(policy))
    assert (code, out.splitlines()) == (0, [*notes, f"{policy}: ok, no warnings (notes only)"])
    code, out, _ = run(str(policy), "--strict")
    assert (code, out.splitlines()) == (1, notes)


def test_command_regulations(tmp_path: Path) -> None:
    text, expected = GOLDEN["unknown-ref"]
    policy = tmp_path / "p.yaml"
    policy.write_text(text, encoding="utf-8")
    regulations = tmp_path / "REGULATIONS.md"
    regulations.write_text("- **R000-1** Never forget a lead.\n", encoding="utf-8")
    code, out, _ = run(str(policy), "--regulations", str(regulations))
    assert code == 1
    assert out.splitlines() == [line.replace("p.yaml", str(policy), 1) for line in expected]
    code, _, err = run(str(policy), "--regulations", str(tmp_path / "nowhere.md"))
    assert code == 2
    assert err.startswith(f"--regulations: cannot read {tmp_path / 'nowhere.md'}")


def test_command_exit_1_for_an_invalid_policy(tmp_path: Path) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text(HEAD + "rules:\n  - {id: r, cadence: {every: 7 dayz, channel: email}}\n")
    code, out, err = run(str(policy), str(tmp_path / "nowhere.yaml"))
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"{policy}:4:30: bad-duration: ")
    assert lines[1] == f"{tmp_path / 'nowhere.yaml'}:1:1: yaml-syntax: no such file"
