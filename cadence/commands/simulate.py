"""``cadence simulate POLICY --leads FILE --events FILE``: a policy replayed on past data.

Registered by :mod:`cadence.cli` as ``app.command(name="simulate", epilog=EPILOG)``. Exit codes:
0 done, 1 an invalid policy, 2 bad data or arguments (every problem listed, nothing written).
Outputs are written whole or not at all (a temporary file renamed into place).
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from cadence.records import Lead
from cadence.simulate import Progress, Simulation, comparison, simulate

EPILOG = (
    "Example: cadence simulate policies/post_show.yaml --leads examples/show/leads.jsonl "
    "--events examples/show/events.jsonl --json metrics.json --actions obligations.csv "
    "--report report.html"
)

_INPUT_EXIT = 2

#: The columns of ``--actions``: one row per obligation the policy created in the period.
OBLIGATION_COLUMNS = (
    "lead_id",
    "rule",
    "refs",
    "kind",
    "channel",
    "assignee",
    "asked_at",
    "due",
    "outcome",
    "resolved_at",
    "late_hours",
    "capacity_deferred",
    "reason",
)


def simulate_command(  # registered as 'simulate'
    policy: Annotated[Path, typer.Argument(help="the policy file", show_default=False)],
    leads: Annotated[Path, typer.Option("--leads", help="leads file (.jsonl or .csv)")],
    events: Annotated[Path, typer.Option("--events", help="events file (.jsonl or .csv)")],
    start: Annotated[
        str | None, typer.Option("--from", help="start of the period (ISO date or date-time)")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="end of the period, not included")] = None,
    follow: Annotated[
        bool, typer.Option("--follow", help="carry out the policy's own contacts when due")
    ] = False,
    capacity: Annotated[
        int | None,
        typer.Option("--capacity", min=1, help="follow mode: contacts per salesperson a day"),
    ] = None,
    against: Annotated[
        Path | None, typer.Option("--against", help="another policy to compare with")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write the metrics here (JSON)")
    ] = None,
    actions_out: Annotated[
        Path | None,
        typer.Option("--actions", help="write every obligation here (.csv or .jsonl)"),
    ] = None,
    report_out: Annotated[
        Path | None,
        typer.Option("--report", help="write a self-contained HTML report with charts (.html)"),
    ] = None,
) -> None:
    """Replay the leads' history through the policy. Audit (the default): was every obligation
    met on time, late or missed; touches beyond caps, in quiet hours, after opt-outs; the
    escalations that would have fired; coverage and conversion. --follow: what carrying out the
    policy's own contacts would have taken, with --capacity per salesperson per working day.
    --against: both policies side by side, and the leads whose actions differ."""
    from cadence.cli import _engine, _now, _read  # here: cadence.cli imports this module

    if capacity is not None and not follow:
        _fail("--capacity: needs --follow (it limits the contacts follow mode makes)")
    if actions_out is not None and actions_out.suffix not in (".csv", ".jsonl"):
        _fail(f"--actions: {actions_out} must end in .csv or .jsonl")
    if report_out is not None and report_out.suffix != ".html":
        _fail(f"--report: {report_out} must end in .html")
    engine = _engine(policy)
    other = _engine(against) if against is not None else None
    lead_map, history = _read(engine, leads, events, None)
    period = [
        None if text is None else _now(text, engine, name)
        for text, name in ((start, "--from"), (end, "--to"))
    ]
    runs: list[Simulation] = []
    for each in (engine, other):
        if each is None:
            continue
        try:
            with _progress(lead_map) as tick:
                runs.append(
                    simulate(
                        each,
                        lead_map,
                        history,
                        start=period[0],
                        end=period[1],
                        follow=follow,
                        capacity=capacity,
                        progress=tick,
                    )
                )
        except ValueError as error:
            _fail(str(error))
    document: dict[str, Any] = runs[0].metrics() if len(runs) == 1 else comparison(runs[0], runs[1])
    metrics = document["policies"] if len(runs) == 2 else [document]
    if json_out is not None:
        _write(json_out, lambda out: out.write(_json(document)))
    if actions_out is not None:
        _write(actions_out, lambda out: _write_obligations(runs[0], out, actions_out.suffix))
    if report_out is not None:
        from cadence.simulate._html import render

        _write(report_out, lambda out: out.write(render(document)))
    from cadence.simulate._report import summary

    for line in summary(metrics, document.get("differences")):
        typer.echo(line)


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(_INPUT_EXIT)


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _write(path: Path, fill: Callable[[IO[str]], Any]) -> None:
    """Write a file whole or not at all."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    except OSError as error:
        _fail(f"cannot write {path}: {error}")
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            fill(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_obligations(result: Simulation, out: IO[str], suffix: str) -> None:
    rows = []
    for o in result.obligations:
        late = o.late_by
        rows.append(
            {
                "lead_id": o.lead_id,
                "rule": o.rule,
                "refs": list(o.refs),
                "kind": o.kind,
                "channel": o.channel,
                "assignee": o.assignee,
                "asked_at": o.asked_at.astimezone(o.due.tzinfo).isoformat(),
                "due": o.due.isoformat(),
                "outcome": o.outcome,
                "resolved_at": None
                if o.resolved_at is None
                else o.resolved_at.astimezone(o.due.tzinfo).isoformat(),
                "late_hours": None if late is None else round(late.total_seconds() / 3600, 2),
                "capacity_deferred": o.deferred,
                "reason": o.reason,
            }
        )
    if suffix == ".jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=OBLIGATION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return " ".join(value) if isinstance(value, list) else value


@contextmanager
def _progress(leads: dict[str, Lead]) -> Iterator[Progress | None]:
    """A progress bar on standard error, on a terminal only, for runs of many leads: how many
    leads have been replayed or, with a capacity, which day the replay has reached."""
    if len(leads) < 1000 or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("simulating {task.description}"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("", total=1.0)

        def tick(share: float, reached: str) -> None:
            bar.update(task, completed=share, description=reached)

        yield tick
