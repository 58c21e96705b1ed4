"""``examples/embedding/service.py`` runs on the shipped policy and the example show, and leaves
in its database exactly the actions ``next_actions`` gives, all decided by the new version."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import cadence

ROOT = Path(__file__).resolve().parents[2]
NOW = "2025-07-21T09:00:00+08:00"


def test_the_service_example_stores_and_rolls_out_actions(tmp_path: Path) -> None:
    db_path = tmp_path / "crm.sqlite"
    result = subprocess.run(
        [sys.executable, "examples/embedding/service.py", "--db", str(db_path), "--now", NOW],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("imported 2000 leads, 30923 events; policy sha256:")
    assert re.fullmatch(r"\d+ live events folded in \(0 full replays\); \d+ open actions", lines[1])
    assert re.fullmatch(
        r"rolled out sha256:\w+: [1-9]\d* leads re-evaluated, 0 stale left", lines[2]
    )

    policy = cadence.load_policy(ROOT / "policies" / "post_show.yaml")
    new = cadence.Engine(policy.model_copy(update={"version": f"{policy.version or 0}-next"}))
    assert new.fingerprint != cadence.Engine(policy).fingerprint
    leads = cadence.read_leads(ROOT / "examples/show/leads.jsonl", default_timezone=policy.timezone)
    events = cadence.read_events(ROOT / "examples/show/events.jsonl", leads)
    wanted = new.next_actions_batch(leads.values(), events, datetime.fromisoformat(NOW))
    with sqlite3.connect(db_path) as db:
        stored = [json.loads(r) for (r,) in db.execute("SELECT record FROM actions")]
    key = lambda a: (a["lead_id"], a["rule"], a["due"])  # noqa: E731
    assert sorted(stored, key=key) == sorted((a.to_dict() for a in wanted), key=key)
    assert {a["policy"] for a in stored} == {new.fingerprint}
