"""``cadence convert`` run as a user runs it (the installed command, in a subprocess), and the real
BPI Challenge 2012 history converted and evaluated with ``policies/quote_chase.yaml``.

The real data lives beside the project in ``../shared/data/bpi2012/`` and is never copied into it;
the test that needs it is skipped when it is absent."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from cadence.data import read_events, read_leads
from tests.cli.test_cli import ROOT, cadence

BPI = ROOT.parent / "shared" / "data" / "bpi2012" / "bpi2012_followup_touches.csv.gz"
BPI_MAPPING = ROOT / "examples" / "bpi2012" / "mapping.yaml"


MAPPING = """\
lead_id: case_id
timestamp: {column: ts, timezone: Europe/Amsterdam}
activity: activity
capture: {activity: A_SUBMITTED}
events:
  W_Call: {type: touch, channel: phone}
unmapped: skip
"""


def test_convert_writes_both_files_and_a_summary(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(MAPPING)
    (tmp_path / "export.csv").write_text(
        "case_id,activity,ts\n1,A_SUBMITTED,2011-10-01T10:00:00\n1,W_Call,2011-10-02T10:00:00\n"
        "1,W_Mail,2011-10-02T11:00:00\n1,W_Mail,2011-10-02T12:00:00\n"
    )
    result = cadence(
        "convert", "--mapping", "map.yaml", "export.csv",
        "--leads", "leads.csv", "--events", "events.jsonl", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "export.csv: 4 rows -> 1 leads (leads.csv), 1 events (events.jsonl)",
        "skipped 2 rows whose activity the mapping does not know:",
        "           2  W_Mail",
    ]
    leads = read_leads(tmp_path / "leads.csv", default_timezone="UTC")
    assert leads["1"].captured_at.isoformat() == "2011-10-01T10:00:00+02:00"
    events = read_events(tmp_path / "events.jsonl", leads)
    assert [(e.type, e.channel) for e in events["1"]] == [("touch", "phone")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "events.jsonl", "export.csv", "leads.csv", "map.yaml",
    ]  # fmt: skip


def test_bad_data_exits_2_lists_every_row_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(MAPPING.replace("unmapped: skip", "unmapped: error"))
    (tmp_path / "export.csv").write_text(
        "case_id,activity,ts\n1,A_SUBMITTED,2011-10-01T10:00:00\n1,W_Mail,2011-10-02T11:00:00\n"
        "2,W_Call,2011-10-02T11:00:00\n"
    )
    (tmp_path / "leads.jsonl").write_text("kept\n")
    result = cadence(
        "convert", "--mapping", "map.yaml", "export.csv",
        "--leads", "leads.jsonl", "--events", "events.jsonl", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    assert [line.split(": ")[0] for line in result.stderr.splitlines()] == [
        "export.csv:3",
        "export.csv:4",
    ]
    assert (tmp_path / "leads.jsonl").read_text() == "kept\n"  # untouched
    assert not (tmp_path / "events.jsonl").exists()
    assert not list(tmp_path.glob("*.part"))


def test_a_bad_mapping_and_bad_arguments_exit_2_all_at_once(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(MAPPING.replace("activity: activity", "activty: activity"))
    (tmp_path / "export.csv").write_text("case_id,activity,ts\n")
    result = cadence(
        "convert", "--mapping", "map.yaml", "export.csv",
        "--leads", "leads.xlsx", "--events", "events.jsonl", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    errors = result.stderr.splitlines()
    assert errors[0] == "map.yaml:1:1: missing-key: the file needs the key 'activity'"
    assert errors[1].startswith("map.yaml:3:1: unknown-key: unknown key 'activty'")
    assert errors[2].startswith("--leads: cannot tell the format of 'leads.xlsx'")
    assert len(errors) == 3


def test_the_real_bpi2012_history(tmp_path: Path) -> None:
    if not BPI.is_file():
        pytest.skip(f"{BPI} is absent: the shared data folder is not beside the project")
    leads_file, events_file = tmp_path / "leads.jsonl", tmp_path / "events.jsonl"
    result = cadence(
        "convert", "--mapping", BPI_MAPPING, BPI, "--leads", leads_file, "--events", events_file,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with gzip.open(BPI, "rt", encoding="utf-8", newline="") as raw:
        activities = Counter(row["activity"] for row in csv.DictReader(raw))
    rows, calls = sum(activities.values()), activities["W_Nabellen offertes"]
    assert (rows, activities["A_SUBMITTED"], calls) == (83_240, 13_087, 22_976)
    events = rows - activities["A_SUBMITTED"]  # every row but the capture becomes one event
    assert result.stdout.splitlines()[0] == (
        f"{BPI}: {rows:,} rows -> 13,087 leads ({leads_file}), {events:,} events ({events_file})"
    )
    leads = read_leads(leads_file, default_timezone="Europe/Amsterdam")
    history = read_events(events_file, leads)
    kinds = Counter(e.type for lead_events in history.values() for e in lead_events)
    assert len(leads) == 13_087
    assert kinds["touch"] == calls
    assert kinds["quote_sent"] == activities["O_SENT"]
    assert kinds["stage"] == sum(
        activities[a] for a in ("A_ACTIVATED", "A_DECLINED", "A_CANCELLED")
    )
    # mid-January 2012, inside the data's period (2011-10-01 .. 2012-03-14)
    now = "2012-01-16T09:00:00+01:00"
    result = cadence(
        "next", "policies/quote_chase.yaml", "--leads", leads_file, "--events", events_file,
        "--now", now, "--format", "jsonl",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    actions = [json.loads(line) for line in result.stdout.splitlines()]
    assert 100 < len(actions) < 2_000, len(actions)
    assert {a["rule"] for a in actions} == {"chase-quote"}
    assert {a["channel"] for a in actions} == {"phone"}
    assert any(a["overdue"] for a in actions) and not all(a["overdue"] for a in actions)
    # an action only for a lead with a quote and neither won, lost nor answered by `now`
    moment = datetime.fromisoformat(now)
    for action in actions[:50]:
        past = [e for e in history[action["lead_id"]] if e.at <= moment]
        assert any(e.type == "quote_sent" for e in past)
        assert not any(e.type == "stage" and e.value in ("won", "lost") for e in past)
