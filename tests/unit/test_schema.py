"""The JSON Schema of the policy language (``cadence schema``) and the policy fingerprint.

The schema is checked with an independent validator (``jsonschema``), on YAML read the way an
editor's YAML server reads it (YAML 1.2: ``2025-04-01`` is text, ``09:00`` is text): it accepts
every shipped policy and every complete policy of the reference, short forms included, rejects
malformed ones, and has a description on every key. The copy in ``docs/`` cannot go stale.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from cadence.cli import app
from cadence.engine import Engine
from cadence.policy import load_policy, parse_policy
from cadence.policy.fingerprint import fingerprint
from cadence.policy.loader import PolicyLoader
from cadence.policy.schema import DIALECT, policy_schema, schema_text
from cadence.records import Lead

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "policy.schema.json"
REFERENCE = ROOT / "docs" / "policy-language.md"
MODELINE = "# yaml-language-server: $schema=../docs/policy.schema.json"


class EditorLoader(PolicyLoader):
    """The loader's reading of YAML, without dates: what a YAML 1.2 server hands the schema."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in PolicyLoader.yaml_implicit_resolvers.items()
}


def as_an_editor_reads(text: str) -> Any:
    return yaml.load(text, Loader=EditorLoader)  # a subclass of the safe loader


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = policy_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def shipped_policies() -> list[Path]:
    return sorted(p for p in (ROOT / "policies").glob("*.yaml") if ".cases." not in p.name)


def reference_policies() -> list[tuple[int, str]]:
    """The complete policies of the reference: its ```yaml blocks, with their first line."""
    found: list[tuple[int, str]] = []
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```yaml":
            start = index + 1
            index += 1
            while lines[index].strip() != "```":
                index += 1
            found.append((start + 1, "\n".join(lines[start:index]) + "\n"))
        index += 1
    return found


def problems(validator: jsonschema.protocols.Validator, data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(data)
    ]


# -- the schema --------------------------------------------------------------------------------


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert json.loads(committed) == policy_schema(), (
        "docs/policy.schema.json is stale: run `cadence schema -o docs/policy.schema.json`"
    )
    assert committed == schema_text()


def test_cadence_schema_prints_it_and_writes_it(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(app, ["schema"])
    assert printed.exit_code == 0, printed.output
    assert printed.stdout == schema_text()
    written = runner.invoke(app, ["schema", "-o", str(tmp_path / "policy.schema.json")])
    assert written.exit_code == 0 and written.stdout == ""
    assert (tmp_path / "policy.schema.json").read_text(encoding="utf-8") == schema_text()


def test_the_schema_names_its_dialect_and_itself() -> None:
    schema = policy_schema()
    assert schema["$schema"] == DIALECT
    assert schema["$id"].endswith("policy.schema.json")
    assert schema["title"] and schema["description"]
    assert schema["additionalProperties"] is False


def _properties(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            yield f"{where}.{name}", value
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for number, value in enumerate(node):
            yield from _properties(value, f"{where}[{number}]")


def test_every_property_has_a_description() -> None:
    found = list(_properties(policy_schema()))
    assert len(found) > 80
    missing = [where for where, prop in found if not str(prop.get("description", "")).strip()]
    assert not missing, missing
    assert {"/$defs/Rule.obligation", ".version", ".effective_from", ".owner"} <= {
        where for where, _ in found
    }


def test_every_object_of_the_schema_rejects_unknown_keys() -> None:
    schema = policy_schema()
    for name, definition in schema["$defs"].items():
        branches = [definition] if "properties" in definition else definition["anyOf"]
        objects = [d for d in branches if "properties" in d]
        assert objects, name
        for candidate in objects:
            assert candidate.get("additionalProperties") is False, name


# -- what it accepts ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", shipped_policies(), ids=lambda p: p.name)
def test_every_shipped_policy_validates(path: Path, validator: Any) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    assert (path.parent / "../docs/policy.schema.json").resolve() == SCHEMA_FILE
    assert problems(validator, as_an_editor_reads(text)) == []
    policy = load_policy(path)
    assert policy.version and policy.effective_from and policy.owner


def test_the_reference_has_policies() -> None:
    assert len(reference_policies()) >= 20


@pytest.mark.parametrize("example", reference_policies(), ids=lambda e: f"line {e[0]}")
def test_every_policy_of_the_reference_validates(example: tuple[int, str], validator: Any) -> None:
    _line, text = example
    assert problems(validator, as_an_editor_reads(text)) == []


SHORT_AND_LONG = """\
policy: forms
version: 2
effective_from: "2025-04-01"
owner: Compliance
timezone: Asia/Shanghai
calendar: {country: NO, working_days: mon}
quiet_hours: [{start: "21:00", end: "24:00", channels: sms}, {start: 12:00, end: 13:30}]
stages: [new, won]
events: [show_closed, quote_sent, samples_sent]
grades: [{grade: A, min_score: 80, when: {attributes: {vip: true}}}, {grade: B}]
stops: [{id: won, refs: R1, when: {stage: won}}]
caps: [{id: weekly, max: 3, within: 1 Week, channels: [sms, email]}]
rules:
  - id: short
    refs: 3.1
    when:
      grade: A
      attributes: {customer_type: distributor, distance_km: {below: 50}, tier: [1, 2]}
      happened: show_closed
      not_happened: {event: reply, since: quote_sent, within: 7 days}
    obligation: {after: show_closed, within: 2 business days, channel: email, met_by: reply}
  - id: long
    obligation:
      after: {event: touch, channel: [phone], outcome: [interested]}
      occurrence: first
      within: 36 hours
      channel: [{use: phone, when: {grade: [A]}}, {use: email}]
      met_by: [{event: touch, channel: phone}, reply]
      if_missed: {escalate: 1 day, reassign: 3 days}
  - id: task
    obligation: {after: quote_sent, within: 1 day, task: Send the samples, met_by: samples_sent}
  - id: keep-in-touch
    cadence:
      every: 2 weeks
      channel: phone
      start: show_closed
      counts: touch
      backoff: {on: declined, multiply: 2, switch_to: email}
  - id: nurture
    sequence:
      after: captured
      steps: [{at: 0 days, channel: email, refs: [R2]}, {at: 3 days, channel: sms}]
      then: {every: 1 month, channel: email}
  - id: holidays
    greeting: {on: public holidays, channel: sms, at: "09:30"}
"""


def test_short_forms_and_long_forms_are_both_accepted(validator: Any) -> None:
    parse_policy(SHORT_AND_LONG.replace("{country: NO,", "{country: CN,"))  # the loader agrees
    assert problems(validator, as_an_editor_reads(SHORT_AND_LONG)) == []


MINIMAL = """\
policy: p
timezone: Asia/Shanghai
rules:
  - id: r
    obligation: {after: captured, within: 1 day, channel: email}
"""

INVALID = {
    "an unknown key": MINIMAL.replace("  - id: r\n", "  - id: r\n    titel: oops\n"),
    "an unknown top-level key": "ownr: me\n" + MINIMAL,
    "a duration without a unit": MINIMAL.replace("within: 1 day", "within: 7"),
    "a misspelt unit": MINIMAL.replace("within: 1 day", "within: 7 dayz"),
    "a time that is not HH:MM": MINIMAL + 'quiet_hours: [{start: "9pm", end: "08:00"}]\n',
    "a rule of two kinds": MINIMAL + "    cadence: {every: 1 week, channel: phone}\n",
    "a rule of no kind": MINIMAL.replace(
        "    obligation: {after: captured, within: 1 day, channel: email}\n", "    title: none\n"
    ),
    "no timezone": MINIMAL.replace("timezone: Asia/Shanghai\n", ""),
    "no rules": "policy: p\ntimezone: Asia/Shanghai\nrules: []\n",
    "channels as bare words in a list": MINIMAL.replace("channel: email", "channel: [email]"),
    "an obligation with both a channel and a task": MINIMAL.replace(
        "channel: email", "channel: email, task: call, met_by: reply"
    ),
    "a task without met_by": MINIMAL.replace("channel: email", "task: call"),
    "an empty condition": MINIMAL.replace("  - id: r\n", "  - id: r\n    when: {}\n"),
    "an empty attribute test": MINIMAL.replace(
        "  - id: r\n", "  - id: r\n    when: {attributes: {vip: {}}}\n"
    ),
    "an effective date that is not a date": MINIMAL + "effective_from: soon\n",
    "a cap of zero": MINIMAL + "caps: [{id: c, max: 0, within: 1 week}]\n",
}


@pytest.mark.parametrize("text", INVALID.values(), ids=list(INVALID))
def test_malformed_policies_are_rejected_by_the_schema_and_the_loader(
    text: str, validator: Any
) -> None:
    assert problems(validator, as_an_editor_reads(MINIMAL)) == []
    schema_problems = problems(
        jsonschema.Draft202012Validator(
            policy_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ),
        as_an_editor_reads(text),
    )
    assert schema_problems, "the schema accepts it"
    with pytest.raises(Exception):  # noqa: B017 - PolicyError, or ValueError for 'effective_from'
        parse_policy(text)


def test_durations_and_times_follow_the_loader() -> None:
    schema = policy_schema()
    duration = re.compile(schema["$defs"]["Cap"]["properties"]["within"]["pattern"])
    clock = re.compile(schema["$defs"]["QuietHours"]["properties"]["start"]["pattern"])
    for text in ("1 hour", "36 hours", "7 Days", "2 business days", "1 working day", "3 weeks"):
        assert duration.search(text), text
        parse_policy(MINIMAL.replace("within: 1 day", f"within: {text}"))
    for text in ("7", "7days", "7 fortnights", "seven days", "-1 day", "1.5 days"):
        assert not duration.search(text), text
    for text in ("09:00", "9:00", "23:59", "24:00", "00:00"):
        assert clock.search(text), text
    for text in ("24:01", "25:00", "9", "9pm", "09:60", "09.00"):
        assert not clock.search(text), text


# -- the fingerprint ---------------------------------------------------------------------------

FORMATTED = """\
policy: fp
version: "1.0"
timezone: Asia/Shanghai
rules:
  - id: first
    refs: [R1]
    obligation:
      after: captured
      within: 2 business days
      channel: phone
"""

REFORMATTED = """\
# the same policy, written otherwise
timezone: 'Asia/Shanghai'     # keys in another order, quoted, commented
version: '1.0'
rules:
- obligation: {channel: [{use: phone}], within: "2 business days", after: {event: captured},
               occurrence: latest}
  refs: R1
  assignee: owner
  id: first
policy: fp
"""


def test_the_fingerprint_ignores_formatting_comments_order_and_short_forms() -> None:
    assert fingerprint(parse_policy(FORMATTED)) == fingerprint(parse_policy(REFORMATTED))


@pytest.mark.parametrize(
    "change",
    [
        ("within: 2 business days", "within: 3 business days"),
        ("within: 2 business days", "within: 2 days"),
        ("channel: phone", "channel: email"),
        ("refs: [R1]", "refs: [R2]"),
        ('version: "1.0"', 'version: "1.1"'),
        ("    obligation:", "    assignee: manager\n    obligation:"),
    ],
    ids=lambda c: f"{c[0]} -> {c[1]}",
)
def test_the_fingerprint_changes_with_the_meaning(change: tuple[str, str]) -> None:
    changed = FORMATTED.replace(*change)
    assert changed != FORMATTED
    assert fingerprint(parse_policy(changed)) != fingerprint(parse_policy(FORMATTED))


def test_the_fingerprint_is_stable_across_releases() -> None:
    # Records in CRMs hold fingerprints: the algorithm must not change by accident.
    assert fingerprint(parse_policy(FORMATTED)) == "sha256:e743cb8970247e49"


def test_every_action_carries_the_fingerprint() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    policy = parse_policy(FORMATTED)
    engine = Engine(policy)
    assert engine.fingerprint == fingerprint(policy)
    shanghai = ZoneInfo("Asia/Shanghai")
    lead = Lead("L1", datetime(2025, 4, 15, 10, 30, tzinfo=shanghai))
    actions = engine.next_actions(lead, [], datetime(2025, 4, 16, 9, 0, tzinfo=shanghai))
    assert actions
    assert {action.policy for action in actions} == {engine.fingerprint}
    assert all(action.to_dict()["policy"] == engine.fingerprint for action in actions)
