"""``cadence simulate`` run as a user runs it: the example show data with every shipped policy,
follow mode with a capacity, a comparison, and mistakes that end in one clean line."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import CADENCE, ROOT, cadence
from tests.cli.test_convert import BPI

POLICIES = sorted(
    p.relative_to(ROOT).as_posix()
    for p in (ROOT / "policies").glob("*.yaml")
    if not p.name.endswith(".cases.yaml")
)
SHOW = ("--leads", "examples/show/leads.jsonl", "--events", "examples/show/events.jsonl")

assert CADENCE.name == "cadence"


@pytest.mark.parametrize("policy", POLICIES)
def test_every_shipped_policy_simulates_the_example_show(policy: str, tmp_path: Path) -> None:
    metrics_file = tmp_path / "metrics.json"
    actions_file = tmp_path / "obligations.csv"
    result = cadence("simulate", policy, *SHOW, "--json", metrics_file, "--actions", actions_file)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Simulation (audit) from 2025-04-")
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    assert metrics["schema"] == "cadence.simulation/1"
    assert metrics["leads"]["simulated"] == 2000
    obligations = metrics["obligations"]
    assert obligations["total"] > 0
    parts = ("on_time", "late", "missed", "ended", "open")
    assert sum(obligations[k] for k in parts) == obligations["total"]
    with actions_file.open(encoding="utf-8") as rows:
        table = list(csv.DictReader(rows))
    assert len(table) == obligations["total"] + metrics["escalations"]["total"]
    assert {row["outcome"] for row in table} <= set(parts)


def _subset(tmp_path: Path, count: int) -> tuple[str, ...]:
    lines = (ROOT / "examples/show/leads.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    ids = {json.loads(line)["id"] for line in lines}
    events = [
        line
        for line in (ROOT / "examples/show/events.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["lead_id"] in ids
    ]
    (tmp_path / "leads.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "events.jsonl").write_text("\n".join(events) + "\n", encoding="utf-8")
    return ("--leads", str(tmp_path / "leads.jsonl"), "--events", str(tmp_path / "events.jsonl"))


def test_follow_with_capacity_and_the_same_bytes_twice(tmp_path: Path) -> None:
    data = _subset(tmp_path, 150)
    outputs = []
    for name in ("a.json", "b.json"):
        result = cadence(
            "simulate", "policies/post_show.yaml", *data, "--follow", "--capacity", "3",
            "--json", tmp_path / name,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    metrics = json.loads(outputs[0])
    assert (metrics["mode"], metrics["capacity"]) == ("follow", 3)
    assert metrics["load"]["per_salesperson_day"]["max"] <= 3
    assert metrics["over_contact"] == {
        "over_cap": 0,
        "in_quiet_hours": 0,
        "after_opt_out": 0,
        "by_cap": {},
    }


def test_against_another_policy(tmp_path: Path) -> None:
    data = _subset(tmp_path, 60)
    out = tmp_path / "compare.json"
    result = cadence(
        "simulate", "policies/post_show.yaml", *data,
        "--against", "policies/intent_grades.yaml", "--json", out,
        "--report", tmp_path / "report.html",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg ") == 8  # four charts for each policy
    assert "Simulation of post_show 1.0 against intent_grades 1.0" in page
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [m["policy"]["name"] for m in document["policies"]] == ["post_show", "intent_grades"]
    assert document["differences"]["leads"] > 0
    assert "Leads whose actions differ" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--capacity", "3"), "--capacity: needs --follow"),
        (("--from", "yesterday"), "--from: expected a date-time with an offset"),
        (("--actions", "out.txt"), "--actions: out.txt must end in .csv or .jsonl"),
        (("--report", "report.htm"), "--report: report.htm must end in .html"),
        (("--from", "2025-08-01", "--to", "2025-05-01"), "the period ends before it starts"),
    ],
)
def test_mistakes_end_in_one_clean_line(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    data = _subset(tmp_path, 5)
    result = cadence("simulate", "policies/post_show.yaml", *data, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_the_real_bpi2012_history_audited_with_quote_chase(tmp_path: Path) -> None:
    """A bank's real follow-up calls after its loan offers (BPI Challenge 2012, DOI
    10.4121/uuid:3926db30-f712-4394-aebc-75976070e91f), audited against R004-14."""
    if not BPI.is_file():
        pytest.skip(f"{BPI} is absent: the shared data folder is not beside the project")
    leads, events = tmp_path / "leads.jsonl", tmp_path / "events.jsonl"
    converted = cadence(
        "convert", "--mapping", "examples/bpi2012/mapping.yaml", BPI,
        "--leads", leads, "--events", events,
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    out = tmp_path / "metrics.json"
    result = cadence(
        "simulate", "policies/quote_chase.yaml", "--leads", leads, "--events", events,
        "--json", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    metrics = json.loads(out.read_text(encoding="utf-8"))
    assert metrics["leads"]["simulated"] == 13_087
    assert metrics["touches"]["total"] == 22_976  # every "W_Nabellen offertes" call
    assert metrics["period"]["from"].startswith("2011-10-01T00:38:44")
    assert list(metrics["by_rule"]) == ["chase-quote"]
    chase = metrics["obligations"]
    assert chase["total"] > 10_000
    assert chase["on_time"] > chase["late"] > chase["missed"] > 0
    assert 0.5 < chase["on_time_rate"] < 1.0
    # The team is an Amsterdam call centre: some calls were logged at night.
    assert 0 < metrics["over_contact"]["in_quiet_hours"] < 1_000


def test_a_long_run_on_a_terminal_shows_how_far_it_has_got(tmp_path: Path) -> None:
    script = shutil.which("script")  # util-linux: runs the command on a pseudo-terminal
    if script is None:
        pytest.skip("the 'script' command (util-linux) is not installed: no terminal to test on")
    typescript = tmp_path / "typescript"
    command = shlex.join(
        [
            str(CADENCE),
            "simulate",
            "policies/quote_chase.yaml",
            *SHOW,
            "--json",
            str(tmp_path / "m.json"),
        ]
    )
    subprocess.run(
        [script, "-q", "-e", "-c", command, str(typescript)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    screen = typescript.read_text(encoding="utf-8", errors="replace")
    # An audit replays the leads one after the other: the bar counts them.
    assert re.search(r"simulating [\d,]+ of 2,000 leads", screen), screen[-2000:]
    assert "Simulation (audit) from" in screen
