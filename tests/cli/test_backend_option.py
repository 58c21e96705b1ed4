"""``cadence next --backend``: the same actions from both backends, and one clean line (exit 2,
no traceback) for an unknown backend or one this installation cannot use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CADENCE = Path(sys.executable).parent / "cadence"
ARGS = (
    "next",
    "policies/renovation_sms.yaml",
    "--leads",
    "examples/show/leads.jsonl",
    "--events",
    "examples/show/events.jsonl",
    "--now",
    "2025-07-21T09:00:00+08:00",
    "--format",
    "jsonl",
)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CADENCE), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "America/Toronto", **(env or {})},
        check=False,
    )


@pytest.mark.usefixtures("durable_available")
def test_both_backends_print_the_same_actions() -> None:
    reference = _run(*ARGS)
    durable = _run(*ARGS, "--backend", "durable")
    assert reference.returncode == durable.returncode == 0, durable.stderr
    assert durable.stdout == reference.stdout
    assert reference.stdout.count("\n") > 1000
    assert _run(*ARGS, "--backend", "reference").stdout == reference.stdout


def test_an_unknown_backend_is_one_line() -> None:
    result = _run(*ARGS, "--backend", "drools")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "--backend: expected reference or durable, got 'drools'\n"


def test_an_unavailable_backend_is_one_line_that_says_what_to_use(tmp_path: Path) -> None:
    # A `durable` package that cannot be imported, as where durable-rules does not build.
    (tmp_path / "durable").mkdir()
    (tmp_path / "durable" / "__init__.py").write_text(
        "raise ImportError('No module named durable_rules_engine')\n"
    )
    result = _run(*ARGS, "--backend", "durable", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "--backend durable: the durable backend needs the durable-rules"
    )
    assert "No module named durable_rules_engine" in result.stderr
    assert "use --backend reference" in result.stderr
