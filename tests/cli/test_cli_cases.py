"""`cadence test`: a policy's cases run from the command line, with rule coverage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CADENCE = Path(sys.executable).parent / "cadence"

POLICY = """\
policy: small
timezone: Asia/Shanghai
rules:
  - id: first
    obligation: {after: captured, within: 7 days, channel: phone}
  - id: never
    when: {attributes: {vip: true}}
    cadence: {every: 7 days, channel: email}
"""

CASES = """\
cases:
  - note: the first call is due a week after capture
    now: 2025-05-01T09:00:00+08:00
    lead: {id: L1, captured_at: 2025-04-30T10:00:00+08:00}
    want:
      - {rule: first, channel: phone, due: 2025-05-07T10:00:00+08:00}
  - note: a wrong expectation
    now: 2025-05-01T09:00:00+08:00
    lead: {id: L1, captured_at: 2025-04-30T10:00:00+08:00}
    want:
      - {rule: first, channel: email}
"""


def cadence(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TZ": "America/Toronto"}
    return subprocess.run(
        [str(CADENCE), *args], capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )


def test_the_shipped_policies_pass_their_cases() -> None:
    policies = sorted(str(p) for p in (ROOT / "policies").glob("*.yaml"))
    result = cadence("test", *policies)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "post_show.yaml: 16 cases, 14/14 rules exercised" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("cases: ")
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")


def test_a_failing_case_is_located_and_uncovered_rules_are_named(tmp_path: Path) -> None:
    (tmp_path / "small.yaml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "small.cases.yaml").write_text(CASES, encoding="utf-8")
    result = cadence("test", str(tmp_path / "small.yaml"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{tmp_path / 'small.cases.yaml'}:7:5: case 2 fails: a wrong expectation"
    assert lines[1] == "    action 1: channel is 'phone', wanted 'email'"
    assert lines[2] == f"{tmp_path / 'small.yaml'}: 2 cases, 1/2 rules exercised"
    assert lines[3] == "    no case makes these rules ask for anything: never"
    assert lines[4] == "cases: 1 passed, 1 failed"


def test_coverage_can_be_required(tmp_path: Path) -> None:
    (tmp_path / "small.yaml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "small.cases.yaml").write_text(
        CASES.split("  - note: a wrong")[0], encoding="utf-8"
    )
    assert cadence("test", str(tmp_path / "small.yaml")).returncode == 0
    assert cadence("test", "--require-coverage", str(tmp_path / "small.yaml")).returncode == 1


def test_lint_and_diff_are_commands_of_cadence() -> None:
    result = cadence("--help")
    for command in ("check", "next", "explain", "test", "lint", "diff", "schema"):
        assert f"  {command} " in result.stdout, command
    same = cadence("diff", "policies/post_show.yaml", "policies/post_show.yaml")
    assert (same.returncode, same.stdout) == (0, "No change in the rules.\n")
    lint = cadence("lint", "policies/intent_grades.yaml")
    assert "note unused-stage: the stage 'contacted'" in lint.stdout
