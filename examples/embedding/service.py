"""A CRM-like service loop around cadence, over a SQLite database of leads, events and actions.

1. Imports the example show (``examples/show``) into SQLite: one row a lead, one row an event.
2. Loads and validates the policy once (``cadence.Engine``), keeps one ``LeadTracker`` per lead
   with the history up to ``--cutoff``, and stores every lead's open actions, each with the
   fingerprint of the policy that decided it (``policy``).
3. Replays the events after the cutoff as if they arrived live, in time order: each is stored,
   folded into its lead's tracker, and that lead's open actions are replaced by the new answer.
4. Rolls out a new policy version: the open actions decided by the old fingerprint are
   re-evaluated with the new engine and replaced, lead by lead, in one transaction.

Run: ``python examples/embedding/service.py --db /tmp/crm.sqlite`` (add ``--backend durable``
to let durable_rules decide the conditions; the actions are the same).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import cadence
from cadence import backends

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = """
CREATE TABLE leads (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE events (seq INTEGER PRIMARY KEY, lead_id TEXT NOT NULL, at REAL NOT NULL,
                     record TEXT NOT NULL);
CREATE TABLE actions (lead_id TEXT NOT NULL, rule TEXT NOT NULL, due TEXT NOT NULL,
                      record TEXT NOT NULL, policy TEXT NOT NULL, status TEXT NOT NULL);
CREATE INDEX open_actions ON actions (status, policy, lead_id);
"""


def import_show(db: sqlite3.Connection, show: Path) -> None:
    """Step 1: the CRM's tables, filled from the example's JSON Lines files."""
    db.executescript(SCHEMA)
    with (show / "leads.jsonl").open(encoding="utf-8") as lines:
        db.executemany(
            "INSERT INTO leads VALUES (?, ?)", ((json.loads(x)["id"], x.strip()) for x in lines)
        )
    with (show / "events.jsonl").open(encoding="utf-8") as lines:
        rows = [(json.loads(x), x.strip()) for x in lines]
    db.executemany(
        "INSERT INTO events (lead_id, at, record) VALUES (?, ?, ?)",
        ((e["lead_id"], datetime.fromisoformat(e["at"]).timestamp(), text) for e, text in rows),
    )
    db.commit()


def read(db: sqlite3.Connection, zone: str) -> tuple[dict[str, cadence.Lead], list[cadence.Event]]:
    """Leads and events out of the database, parsed as the data contract says."""
    from cadence.data import parse_event, parse_lead

    leads = {
        lead.id: lead
        for lead in (
            parse_lead(json.loads(r), default_timezone=zone)
            for (r,) in db.execute("SELECT record FROM leads ORDER BY id")
        )
    }
    events = [
        parse_event(json.loads(r)) for (r,) in db.execute("SELECT record FROM events ORDER BY seq")
    ]
    return leads, events


def store(db: sqlite3.Connection, lead_id: str, actions: list[cadence.Action]) -> None:
    """Replace a lead's open actions by these (in the caller's transaction)."""
    db.execute("DELETE FROM actions WHERE lead_id = ? AND status = 'open'", (lead_id,))
    db.executemany(
        "INSERT INTO actions VALUES (?, ?, ?, ?, ?, 'open')",
        (
            (a.lead_id, a.rule, a.due.isoformat(), json.dumps(a.to_dict()), a.policy)
            for a in actions
        ),
    )


def roll_out(db: sqlite3.Connection, engine: cadence.Engine | backends.Backend,
             trackers: dict[str, cadence.LeadTracker], now: datetime) -> int:  # fmt: skip
    """Step 4: every open action decided by another fingerprint is re-evaluated and replaced."""
    stale = [
        lead_id
        for (lead_id,) in db.execute(
            "SELECT DISTINCT lead_id FROM actions WHERE status = 'open' AND policy != ?"
            " ORDER BY lead_id",
            (engine.fingerprint,),
        )
    ]
    with db:  # one transaction: the CRM never shows a mix of versions for one lead
        for lead_id in stale:
            old = trackers[lead_id]
            trackers[lead_id] = engine.track(old.lead, old.events)
            store(db, lead_id, trackers[lead_id].next_actions(now))
    return len(stale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the SQLite file to create")
    parser.add_argument("--policy", type=Path, default=ROOT / "policies" / "post_show.yaml")
    parser.add_argument("--show", type=Path, default=ROOT / "examples" / "show")
    parser.add_argument("--cutoff", default="2025-07-14T00:00:00+08:00")
    parser.add_argument("--now", default="2025-07-21T09:00:00+08:00")
    parser.add_argument("--backend", default="reference", choices=backends.BACKENDS)
    args = parser.parse_args()
    cutoff = datetime.fromisoformat(args.cutoff)
    now = datetime.fromisoformat(args.now)

    args.db.unlink(missing_ok=True)
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA journal_mode = WAL")  # a commit per event without an fsync each
    db.execute("PRAGMA synchronous = NORMAL")
    import_show(db, args.show)

    policy = cadence.load_policy(args.policy)  # raises cadence.PolicyError, every problem
    engine = backends.load(args.backend, policy)
    leads, events = read(db, policy.timezone)
    history: dict[str, list[cadence.Event]] = {lead_id: [] for lead_id in leads}
    live = []
    for event in events:
        (history[event.lead_id] if event.at <= cutoff else live).append(event)
    trackers = {lead_id: engine.track(lead, history[lead_id]) for lead_id, lead in leads.items()}
    with db:
        for lead_id, tracker in trackers.items():
            store(db, lead_id, tracker.next_actions(cutoff))
    print(f"imported {len(leads)} leads, {len(events)} events; policy {engine.fingerprint}")

    live.sort(key=lambda e: e.at.timestamp())
    for event in live:  # as they arrive: fold in, re-evaluate that lead only
        tracker = trackers[event.lead_id]
        tracker.add(event)
        with db:
            store(db, event.lead_id, tracker.next_actions(event.at))
    with db:  # the morning run: every lead as of now, from the trackers
        for lead_id, tracker in trackers.items():
            store(db, lead_id, tracker.next_actions(now))
    replays = sum(t.full_replays for t in trackers.values())
    (open_count,) = db.execute("SELECT count(*) FROM actions WHERE status = 'open'").fetchone()
    print(f"{len(live)} live events folded in ({replays} full replays); {open_count} open actions")

    new_policy = policy.model_copy(update={"version": f"{policy.version or 0}-next"})
    new_engine = backends.load(args.backend, new_policy)
    changed = roll_out(db, new_engine, trackers, now)
    (left,) = db.execute(
        "SELECT count(*) FROM actions WHERE status = 'open' AND policy != ?",
        (new_engine.fingerprint,),
    ).fetchone()
    print(f"rolled out {new_engine.fingerprint}: {changed} leads re-evaluated, {left} stale left")


if __name__ == "__main__":
    main()
