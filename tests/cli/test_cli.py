"""The ``cadence`` command run as a user runs it: the installed script, in a subprocess, in a
process whose local zone is ``America/Toronto``.

Policy problems are golden: the exact ``FILE:LINE:COLUMN: CODE: message`` lines, all at once. Data
problems likewise as ``FILE:LINE: message``. Nothing may print a traceback, and a run that fails
prints no action and leaves no file behind. The example data set has 2,000 leads, so most runs ask
for one lead (``--lead``); the whole set is evaluated once per module.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cadence.policy import load_policy
from cadence.policy.fingerprint import fingerprint
from cadence.records import CHANNELS

ROOT = Path(__file__).resolve().parents[2]
CADENCE = Path(sys.executable).parent / "cadence"
POLICY = "policies/post_show.yaml"
DATA = ("--leads", "examples/show/leads.jsonl", "--events", "examples/show/events.jsonl")
NOW = "2025-07-21T09:00:00+08:00"
SHOW_NOW = ("--now", NOW)

#: The fields of an action, in the order of the contract (and of the CSV header).
FIELDS = (
    "lead_id",
    "rule",
    "refs",
    "kind",
    "channel",
    "assignee",
    "due",
    "overdue",
    "reason",
    "policy",
)
KINDS = {"contact", "escalate", "reassign", "task"}
#: The fingerprint of the policy that decides: every action carries it.
SHOW_FINGERPRINT = fingerprint(load_policy(ROOT / POLICY))


def cadence(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the installed command; whatever happens, it must not print a traceback."""
    assert CADENCE.exists(), f"{CADENCE} is missing: install the project (pip install -e .)"
    result = subprocess.run(
        [str(CADENCE), *map(str, args)],
        cwd=cwd,
        env={**os.environ, "TZ": "America/Toronto"},
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def lines(text: str) -> list[str]:
    return text.splitlines()


def location_key(line: str) -> tuple[str, int, int]:
    """The (file, line, column) a problem line starts with, for checking the order."""
    match = re.match(r"(.+?):(\d+)(?::(\d+))?: ", line)
    assert match is not None, f"not a problem line: {line!r}"
    return match.group(1), int(match.group(2)), int(match.group(3) or 0)


def jsonl_actions(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines(text)]


def next_jsonl(*args: str) -> list[dict[str, Any]]:
    result = cadence("next", POLICY, *DATA, *SHOW_NOW, "--format", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return jsonl_actions(result.stdout)


@pytest.fixture(scope="module")
def show_actions() -> list[dict[str, Any]]:
    """Every action of the example data set as of the suggested ``now`` (one run, ~3 s)."""
    return next_jsonl()


@pytest.fixture(scope="module")
def l0002() -> list[dict[str, Any]]:
    """The actions of one lead, L0002 (a won lead with an overdue deposit chase)."""
    return next_jsonl("--lead", "L0002")


# -- help ------------------------------------------------------------------------------------------


@functools.cache
def help_of(*command: str) -> str:
    result = cadence(*command, "--help")
    assert result.returncode == 0
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize(
    "command",
    [
        pytest.param((), id="cadence"),
        pytest.param(("check",), id="check"),
        pytest.param(("next",), id="next"),
        pytest.param(("explain",), id="explain"),
    ],
)
def test_help_shows_an_example(command: tuple[str, ...]) -> None:
    text = help_of(*command)
    assert "Usage: cadence" in text
    assert "Example:" in text


def _example_of(command: str) -> list[str]:
    """The example command line that ``cadence COMMAND --help`` shows, as arguments."""
    example = help_of(command).split("Example:", 1)[1]
    words = shlex.split(" ".join(example.split()))
    assert words[:2] == ["cadence", command]
    return words[1:]


def test_the_example_of_check_help_runs() -> None:
    args = _example_of("check")
    expanded = [a for arg in args for a in (sorted(ROOT.glob(arg)) if "*" in arg else [arg])]
    result = cadence(*expanded)
    assert result.returncode == 0, result.stderr


def test_the_example_of_explain_help_runs() -> None:
    result = cadence(*_example_of("explain"))
    assert result.returncode == 0, result.stderr
    assert "Rules:" in result.stdout


def test_the_example_of_next_help_runs() -> None:
    args = _example_of("next")
    assert "--owner" in args
    owner = args[args.index("--owner") + 1]
    result = cadence(*args, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    actions = jsonl_actions(result.stdout)
    assert actions, "the example of `cadence next --help` prints nothing"
    assert {a["assignee"] for a in actions} == {owner}


# -- check -----------------------------------------------------------------------------------------


def shipped_policies() -> list[str]:
    """The shipped policies (``policies/*.yaml``), not their case files (``*.cases.yaml``)."""
    found = (ROOT / "policies").glob("*.yaml")
    return sorted(str(p.relative_to(ROOT)) for p in found if not p.name.endswith(".cases.yaml"))


def test_check_accepts_every_shipped_policy() -> None:
    policies = shipped_policies()
    assert len(policies) >= 4
    result = cadence("check", *policies)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    printed = lines(result.stdout)
    assert len(printed) == len(policies)
    for policy, line in zip(policies, printed, strict=True):
        assert line.startswith(f"{policy}: ok, policy '")
        assert line.endswith(f", fingerprint {fingerprint(load_policy(ROOT / policy))}")


BROKEN = """\
policy: broken
timezone: Asia/Shanghai
stages: [new, contacted, won]
rules:
  - id: thank-you
    titel: Thank them for visiting
    obligation:
      after: captured
      within: 1 day
      channel: email
  - id: first-contact
    obligation:
      after: captured
      within: 7 dayz
      channel: phone
  - id: materials
    sequence:
      after: captured
      steps:
        - {at: 2 days, channel: emial}
  - id: won-visits
    when: {stage: [wonn]}
    cadence: {every: 3 months, channel: phone}
  - id: won-visits
    cadence: {every: 1 month, channel: email}
"""

SYNTAX = """\
policy: syntax
timezone: Asia/Shanghai
rules:
  - id: a
    cadence: {every: 1 month, channel: phone
  - id: b
"""

KEYS_OF_A_RULE = (
    "(expected one of: id, refs, title, say, when, until, assignee, obligation, cadence, "
    "sequence, greeting)"
)
KNOWN_CHANNELS = "(known: email, phone, post, sms, visit, wechat)"

GOLDEN_CHECK = [
    "a_broken.yaml:6:5: unknown-key: unknown key 'titel' in 'rules[0]'; did you mean 'title'? "
    + KEYS_OF_A_RULE,
    "a_broken.yaml:14:15: bad-duration: expected a duration '<whole number> <unit>' with unit "
    "hours, days, business days, weeks or months, for example '7 days' or '2 business days', "
    "got '7 dayz'",
    "a_broken.yaml:20:33: unknown-channel: unknown channel 'emial'; did you mean 'email'? "
    + KNOWN_CHANNELS,
    "a_broken.yaml:22:20: unknown-stage: unknown stage 'wonn'; did you mean 'won'? "
    "(known: contacted, new, won)",
    "a_broken.yaml:24:9: duplicate-id: the id 'won-visits' is already used by an earlier rule; "
    "ids must be unique",
    "c_syntax.yaml:6:7: yaml-syntax: while parsing a flow mapping expected ',' or '}', but got ':'",
]


def test_check_prints_every_problem_of_every_file_at_once(tmp_path: Path) -> None:
    (tmp_path / "a_broken.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "b_valid.yaml").write_text((ROOT / POLICY).read_text("utf-8"), encoding="utf-8")
    (tmp_path / "c_syntax.yaml").write_text(SYNTAX, encoding="utf-8")
    result = cadence("check", "a_broken.yaml", "b_valid.yaml", "c_syntax.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert lines(result.stderr) == GOLDEN_CHECK
    assert sorted(GOLDEN_CHECK, key=location_key) == GOLDEN_CHECK
    shipped = load_policy(ROOT / POLICY)
    assert lines(result.stdout) == [
        f"b_valid.yaml: ok, policy 'post_show' version {shipped.version} with "
        f"{len(shipped.rules)} rules, fingerprint {fingerprint(shipped)}"
    ]


def test_check_of_a_missing_file_exits_1_without_traceback(tmp_path: Path) -> None:
    result = cadence("check", "nowhere.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert lines(result.stderr) == ["nowhere.yaml:1:1: yaml-syntax: no such file"]


# -- next ------------------------------------------------------------------------------------------


def test_next_jsonl_follows_the_contract(show_actions: list[dict[str, Any]]) -> None:
    now = datetime.fromisoformat(NOW)
    assert len({a["lead_id"] for a in show_actions}) > 1000
    for action in show_actions:
        assert set(FIELDS) <= set(action), action
        assert action["kind"] in KINDS
        assert isinstance(action["refs"], list)
        assert all(isinstance(ref, str) for ref in action["refs"])
        if action["kind"] == "contact":
            assert action["channel"] in CHANNELS, action
        due = datetime.fromisoformat(action["due"])
        assert due.utcoffset() is not None, action
        assert action["overdue"] is (due < now), action
        assert isinstance(action["reason"], str) and action["reason"].strip()
        assert action["policy"] == SHOW_FINGERPRINT, action


def test_next_jsonl_is_sorted_by_due_then_lead_then_rule(
    show_actions: list[dict[str, Any]],
) -> None:
    keys = [(datetime.fromisoformat(a["due"]), a["lead_id"], a["rule"]) for a in show_actions]
    assert keys == sorted(keys)
    # the order is by instant, not by the text of `due` (leads are in many zones)
    assert len({a["due"][-6:] for a in show_actions}) > 3


def test_next_gives_due_in_the_lead_zone(show_actions: list[dict[str, Any]]) -> None:
    # L0001 is in America/New_York; every due of its actions falls in summer time there
    of_l0001 = [a for a in show_actions if a["lead_id"] == "L0001"]
    assert of_l0001
    assert {a["due"][-6:] for a in of_l0001} == {"-04:00"}


def test_next_for_one_lead_is_that_lead_of_the_whole_run(
    show_actions: list[dict[str, Any]], l0002: list[dict[str, Any]]
) -> None:
    assert l0002
    assert l0002 == [a for a in show_actions if a["lead_id"] == "L0002"]


def test_next_csv_has_the_header_and_the_same_actions(l0002: list[dict[str, Any]]) -> None:
    result = cadence("next", POLICY, *DATA, *SHOW_NOW, "--lead", "L0002", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(",".join(FIELDS) + "\n")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = [
        {
            **{k: v or "" for k, v in action.items() if k in FIELDS},
            "refs": ";".join(action["refs"]),
            "overdue": "true" if action["overdue"] else "false",
        }
        for action in l0002
    ]
    assert rows == expected


@pytest.fixture(scope="module")
def l0002_table() -> str:
    """The actions of L0002 as the default format prints them: a table."""
    result = cadence("next", POLICY, *DATA, *SHOW_NOW, "--lead", "L0002")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_next_table_is_the_default_and_shows_every_action(
    l0002: list[dict[str, Any]], l0002_table: str
) -> None:
    out = l0002_table
    assert f"{len(l0002)} actions as of {NOW}" in out
    for column in ("due", "lead", "kind", "channel", "assignee", "rule", "refs", "reason"):
        assert column in out
    for action in l0002:
        assert action["rule"] in out
        assert action["assignee"] in out
        assert ", ".join(action["refs"]) in out
    assert out.count("overdue") == sum(a["overdue"] for a in l0002)


def test_next_owner_keeps_the_actions_of_that_assignee(l0002: list[dict[str, Any]]) -> None:
    manager = "Chen Jie"  # L0002's manager: receives its escalations only
    expected = [a for a in l0002 if a["assignee"] == manager]
    assert 0 < len(expected) < len(l0002)
    assert next_jsonl("--lead", "L0002", "--owner", manager) == expected


def test_next_due_by_a_date_means_its_midnight_in_the_policy_zone(
    l0002: list[dict[str, Any]],
) -> None:
    limit = datetime.fromisoformat("2025-08-31T00:00:00+08:00")  # post_show: Asia/Shanghai
    expected = [a for a in l0002 if datetime.fromisoformat(a["due"]) <= limit]
    assert 0 < len(expected) < len(l0002)
    assert next_jsonl("--lead", "L0002", "--due-by", "2025-08-31") == expected


def test_next_filters_combine(l0002: list[dict[str, Any]]) -> None:
    limit = datetime.fromisoformat("2025-06-17T16:53:00+08:00")
    expected = [
        a
        for a in l0002
        if a["assignee"] == "Gao Feng" and datetime.fromisoformat(a["due"]) <= limit
    ]
    assert 0 < len(expected) < len([a for a in l0002 if a["assignee"] == "Gao Feng"])
    got = next_jsonl("--lead", "L0002", "--owner", "Gao Feng", "--due-by", limit.isoformat())
    assert got == expected


def test_next_output_file_jsonl(l0002: list[dict[str, Any]], tmp_path: Path) -> None:
    out = tmp_path / "actions.jsonl"
    result = cadence(
        "next", POLICY, *DATA, *SHOW_NOW, "--lead", "L0002", "--format", "jsonl", "-o", out
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert jsonl_actions(out.read_text(encoding="utf-8")) == l0002
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary left over


def test_next_output_file_table_is_what_stdout_shows(l0002_table: str, tmp_path: Path) -> None:
    out = tmp_path / "actions.txt"
    result = cadence("next", POLICY, *DATA, *SHOW_NOW, "--lead", "L0002", "--output", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == l0002_table
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


LEADS = """\
{"id": "L1", "captured_at": "2025-04-23T10:00:00+08:00", "owner": "Li Wei", "score": 85}
{"id": "L2", "captured_at": "2025-04-24T11:00:00+08:00", "owner": "Xu Jing"}
"""

BAD_EVENTS = """\
{"lead_id": "L1", "at": "2025-04-27T17:00:00+08:00", "type": "show_closed"}
{"lead_id": "L9", "at": "2025-04-27T17:00:00+08:00", "type": "show_closed"}
{"lead_id": "L1", "at": "2025-04-28T10:00:00+08:00", "type": "touch", "outcome": "reached"}
{"lead_id": "L2", "at": "2025-04-28T10:00:00", "type": "reply", "channel": "email"}
{"lead_id": "L2", "at": oops, "type": "touch", "channel": "phone"}
{"lead_id": "L2", "at": "2025-04-27T17:00:00+08:00", "type": "show_closed"}
"""

GOLDEN_DATA = [
    'events.jsonl:2: lead_id "L9" is not in the leads file',
    "events.jsonl:3: 'channel' is missing; 'touch' events need one",
    "events.jsonl:4: 'at' is \"2025-04-28T10:00:00\", a date-time without an offset; write it "
    'with one, e.g. "2025-04-28T10:00:00+08:00"',
    "events.jsonl:5: this line is not valid JSON: Expecting value at column 25",
]


@pytest.fixture
def bad_data(tmp_path: Path) -> Path:
    (tmp_path / "leads.jsonl").write_text(LEADS, encoding="utf-8")
    (tmp_path / "events.jsonl").write_text(BAD_EVENTS, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["jsonl", "table"])
def test_next_with_bad_events_prints_every_bad_line_and_no_action(bad_data: Path, fmt: str) -> None:
    args = ("--leads", "leads.jsonl", "--events", "events.jsonl", *SHOW_NOW, "--format", fmt)
    result = cadence("next", ROOT / POLICY, *args, cwd=bad_data)
    assert result.returncode == 2
    assert lines(result.stderr) == GOLDEN_DATA
    assert result.stdout == ""


def test_next_with_bad_events_reports_them_for_one_lead_too(bad_data: Path) -> None:
    args = ("--leads", "leads.jsonl", "--events", "events.jsonl", *SHOW_NOW, "--lead", "L1")
    result = cadence("next", ROOT / POLICY, *args, cwd=bad_data)
    assert result.returncode == 2
    assert lines(result.stderr) == GOLDEN_DATA
    assert result.stdout == ""


def test_next_with_bad_events_writes_no_file(bad_data: Path) -> None:
    args = ("--leads", "leads.jsonl", "--events", "events.jsonl", *SHOW_NOW, "--format", "jsonl")
    before = sorted(p.name for p in bad_data.iterdir())
    result = cadence("next", ROOT / POLICY, *args, "-o", "actions.jsonl", cwd=bad_data)
    assert result.returncode == 2
    assert lines(result.stderr) == GOLDEN_DATA
    assert result.stdout == ""
    assert sorted(p.name for p in bad_data.iterdir()) == before  # no file, no temporary


def test_next_with_bad_events_keeps_an_existing_output_file(bad_data: Path) -> None:
    (bad_data / "actions.jsonl").write_text("yesterday's actions\n", encoding="utf-8")
    args = ("--leads", "leads.jsonl", "--events", "events.jsonl", *SHOW_NOW, "--format", "jsonl")
    result = cadence("next", ROOT / POLICY, *args, "-o", "actions.jsonl", cwd=bad_data)
    assert result.returncode == 2
    assert (bad_data / "actions.jsonl").read_text(encoding="utf-8") == "yesterday's actions\n"


def test_bad_lines_of_both_files_are_reported_at_once(tmp_path: Path) -> None:
    leads = LEADS + '{"id": "L3", "captured_at": "yesterday"}\n'
    (tmp_path / "leads.jsonl").write_text(leads, encoding="utf-8")
    (tmp_path / "events.jsonl").write_text(BAD_EVENTS, encoding="utf-8")
    args = ("--leads", "leads.jsonl", "--events", "events.jsonl", *SHOW_NOW)
    result = cadence("next", ROOT / POLICY, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    printed = lines(result.stderr)
    assert [line for line in printed if line.startswith("leads.jsonl:3: ")]
    assert set(GOLDEN_DATA[1:]) <= set(printed)  # not the unknown lead: L9 is unknown anyway


def test_an_unclosed_json_object_is_located_at_the_end_of_the_line(tmp_path: Path) -> None:
    (tmp_path / "leads.jsonl").write_text(LEADS, encoding="utf-8")
    line = '{"lead_id": "L1", "at": "2025-04-28T10:00:00+08:00", "type": "touch", "channel": "x"'
    (tmp_path / "events.jsonl").write_text(line + "\n", encoding="utf-8")
    args = ("--leads", "leads.jsonl", "--events", "events.jsonl", *SHOW_NOW)
    result = cadence("next", ROOT / POLICY, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert lines(result.stderr) == [
        "events.jsonl:1: this line is not valid JSON: Expecting ',' delimiter at column "
        f"{len(line) + 1}"
    ]


# -- explain ---------------------------------------------------------------------------------------


def test_explain_gives_every_rule_a_verdict(l0002: list[dict[str, Any]]) -> None:
    result = cadence("explain", POLICY, *DATA, *SHOW_NOW, "--lead", "L0002")
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert out[0] == f"Lead L0002 as of {NOW}"
    assert out[1] == "  stage won, grade A, owner Gao Feng"
    verdicts = {}
    for line in out[out.index("Rules:") + 1 : out.index(f"Actions ({len(l0002)}):")]:
        match = re.fullmatch(r"  (\S+)(?: \[[^]]*\])?: (asks|no action): (.+)", line)
        assert match is not None, line
        verdicts[match.group(1)] = (match.group(2), match.group(3))
    rules = [rule.id for rule in load_policy(ROOT / POLICY).rules]
    assert list(verdicts) == rules
    assert {rule for rule, (verdict, _) in verdicts.items() if verdict == "asks"} == {
        a["rule"] for a in l0002
    }
    assert verdicts["first-contact"] == (
        "no action",
        "does not apply: its 'when' condition does not hold",
    )
    assert verdicts["deposit-chase"][1].startswith("not met: contact by phone due by")
    # each action of `next` is listed, with its reason
    actions = out[out.index(f"Actions ({len(l0002)}):") + 1 :]
    assert len(actions) == len(l0002)
    for line, action in zip(actions, l0002, strict=True):
        assert line.startswith(f"  {action['due']}")
        assert line.endswith(f"[{action['rule']}]: {action['reason']}")


# -- arguments -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "now"),
    [
        ("next", "tomorrow"),
        ("next", "2025-07-21T09:00:00"),  # no offset
        ("next", "2025-13-01"),
        ("explain", "21/07/2025"),
    ],
)
def test_an_invalid_now_exits_2_with_a_message(command: str, now: str) -> None:
    result = cadence(command, POLICY, *DATA, "--lead", "L0002", "--now", now)
    assert result.returncode == 2
    assert result.stdout == ""
    assert lines(result.stderr) == [
        "--now: expected a date-time with an offset such as '2025-07-21T09:00:00+08:00', "
        f"or a date, got '{now}'"
    ]


def test_an_invalid_due_by_is_named_in_the_message() -> None:
    result = cadence("next", POLICY, *DATA, *SHOW_NOW, "--lead", "L0002", "--due-by", "friday")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("--due-by: ")
    assert "'friday'" in result.stderr


def test_an_invalid_format_exits_2() -> None:
    result = cadence("next", POLICY, *DATA, *SHOW_NOW, "--lead", "L0002", "--format", "xml")
    assert result.returncode == 2
    assert lines(result.stderr) == ["--format: expected table, jsonl or csv, got 'xml'"]


@pytest.mark.parametrize("command", ["next", "explain"])
def test_a_missing_leads_file_exits_2(command: str, tmp_path: Path) -> None:
    events = ROOT / "examples/show/events.jsonl"
    args = ("--leads", "nowhere.jsonl", "--events", events, *SHOW_NOW, "--lead", "L0002")
    result = cadence(command, ROOT / POLICY, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert lines(result.stderr) == [
        "nowhere.jsonl:1: the file cannot be opened (No such file or directory)"
    ]


def test_a_leads_file_of_unknown_format_exits_2(tmp_path: Path) -> None:
    (tmp_path / "leads.txt").write_text(LEADS, encoding="utf-8")
    args = ("--leads", "leads.txt", "--events", ROOT / "examples/show/events.jsonl", *SHOW_NOW)
    result = cadence("next", ROOT / POLICY, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("leads.txt:1: cannot tell the format of 'leads.txt'")


@pytest.mark.parametrize("command", ["next", "explain"])
def test_an_unknown_lead_exits_2(command: str) -> None:
    result = cadence(command, POLICY, *DATA, *SHOW_NOW, "--lead", "L9999")
    assert result.returncode == 2
    assert result.stdout == ""
    assert lines(result.stderr) == ["--lead: no lead 'L9999' in examples/show/leads.jsonl"]


def test_next_with_an_invalid_policy_exits_1_and_prints_no_action(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    data = ("--leads", ROOT / DATA[1], "--events", ROOT / DATA[3])
    result = cadence("next", "broken.yaml", *data, *SHOW_NOW, "--lead", "L0002", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert lines(result.stderr) == [line.replace("a_broken", "broken") for line in GOLDEN_CHECK[:5]]
