"""``cadence diff OLD NEW [--leads FILE --events FILE --now T]``: what changed, and for whom.

Registered by :mod:`cadence.cli` as ``app.command(epilog=EPILOG)(diff)``. It is a report: exit 0
whatever changed; 1 when a policy is invalid (printed as ``cadence check`` prints it); 2 for bad
data or arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EPILOG = (
    "Example: cadence diff policies/post_show.yaml my_post_show.yaml "
    "--leads examples/show/leads.jsonl --events examples/show/events.jsonl "
    "--now 2025-07-21T09:00:00+08:00"
)

_DATA_EXIT = 2


def diff(
    old: Annotated[Path, typer.Argument(help="the policy as it was (YAML)", show_default=False)],
    new: Annotated[Path, typer.Argument(help="the policy as it is now (YAML)", show_default=False)],
    leads: Annotated[
        Path | None,
        typer.Option("--leads", help="leads file, .jsonl or .csv: show whose actions change"),
    ] = None,
    events: Annotated[
        Path | None, typer.Option("--events", help="events file, .jsonl or .csv (with --leads)")
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="evaluate as of this moment (ISO-8601 with offset, or a date); default: now",
        ),
    ] = None,
    lead: Annotated[str | None, typer.Option("--lead", help="only this lead")] = None,
) -> None:
    """What changed from OLD to NEW, rule by rule, in words; with --leads and --events, the leads
    whose actions change, as - (only under OLD) and + (only under NEW) lines."""
    from cadence.cli import _engine, _fail, _now, _read
    from cadence.policy.diff import compare_actions, describe_changes, render_changes

    old_engine = _engine(old)
    new_engine = _engine(new)
    if (leads is None) != (events is None):
        _fail(["--leads and --events go together: give both, or neither"], _DATA_EXIT)
    if lead is not None and leads is None:
        _fail(["--lead needs --leads and --events"], _DATA_EXIT)
    moment = _now(now, new_engine)
    data = None
    if leads is not None and events is not None:  # read before printing: bad data prints nothing
        lead_map, history = _read(new_engine, leads, events, lead)
        if lead is not None:
            lead_map = {lead: lead_map[lead]}
        data = compare_actions(old_engine, new_engine, lead_map, history, moment)
    sentences = describe_changes(old_engine.policy, new_engine.policy)
    for sentence in sentences or ["No change in the rules."]:
        typer.echo(sentence)
    if data is None:
        return
    changes = data
    typer.echo("")
    if not changes:
        typer.echo(f"None of the {len(lead_map)} leads get different actions.")
        return
    typer.echo(f"{len(changes)} of {len(lead_map)} leads get different actions:")
    for line in render_changes(changes):
        typer.echo(line)
