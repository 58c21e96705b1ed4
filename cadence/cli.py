"""The ``cadence`` command: thin glue from arguments to the library and back to text.

Only this module reads the clock (the default ``--now``) and decides exit codes: 0 success,
1 an invalid policy, 2 bad input data or arguments.
"""

from __future__ import annotations

import difflib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal, NoReturn, TextIO

import typer
from rich.console import Console
from rich.table import Table

from cadence.backends import BACKENDS, Backend
from cadence.backends import load as load_backend
from cadence.calendar import zone
from cadence.cases import cases_path, load_cases, run_case
from cadence.data import read_events, read_leads, write_actions
from cadence.engine import Engine, Explanation
from cadence.errors import BackendUnavailable, DataError, PolicyError
from cadence.policy import load_policy
from cadence.policy.schema import schema_text
from cadence.records import Action, Event, Lead

app = typer.Typer(
    name="cadence",
    help=(
        "Follow-up policies for leads: check and test them, ask them what to do next, "
        "replay them on past data."
    ),
    epilog="Example: cadence next policies/post_show.yaml --leads examples/show/leads.jsonl "
    "--events examples/show/events.jsonl --now 2025-07-21T09:00:00+08:00",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

_POLICY_EXIT = 1
_DATA_EXIT = 2

Format = Literal["table", "jsonl", "csv"]


def _fail(lines: list[str], code: int) -> NoReturn:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


def _engine(policy_file: Path) -> Engine:
    try:
        return Engine(load_policy(policy_file))
    except PolicyError as error:
        _fail([str(p) for p in error.problems], _POLICY_EXIT)


def _backend(policy_file: Path, name: str) -> Backend:
    if name not in BACKENDS:
        _fail([f"--backend: expected {' or '.join(BACKENDS)}, got '{name}'"], _DATA_EXIT)
    engine = _engine(policy_file)
    if name == "reference":
        return engine
    try:
        return load_backend(name, engine.policy)
    except BackendUnavailable as error:
        _fail([f"--backend {name}: {error}"], _DATA_EXIT)


def _known_rule(engine: Backend, rule: str) -> None:
    ids = [r.id for r in engine.policy.rules]
    if rule not in ids:
        close = difflib.get_close_matches(rule, ids, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        _fail(
            [f"--rule: the policy has no rule '{rule}'{hint} (rules: {', '.join(ids)})"], _DATA_EXIT
        )


def _now(text: str | None, engine: Backend, option: str = "--now") -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        if len(text) == 10:
            return datetime.combine(
                date.fromisoformat(text), datetime.min.time(), tzinfo=zone(engine.policy.timezone)
            )
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        _fail(
            [
                f"{option}: expected a date-time with an offset such as "
                f"'2025-07-21T09:00:00+08:00', or a date, got '{text}'"
            ],
            _DATA_EXIT,
        )
    return moment


def _read(
    engine: Backend, leads: Path, events: Path, lead: str | None
) -> tuple[dict[str, Lead], dict[str, list[Event]]]:
    problems: list[str] = []
    try:
        lead_map = read_leads(leads, default_timezone=engine.policy.timezone)
    except DataError as error:
        # Still check the events, every line but the lead ids (which need a sound leads file),
        # so that one run reports every bad line of both files.
        problems = [str(p) for p in error.problems]
        try:
            read_events(events, _AnyLead(), only_lead="")
        except DataError as more:
            problems.extend(str(p) for p in more.problems)
        _fail(problems, _DATA_EXIT)
    if lead is not None and lead not in lead_map:
        problems.append(f"--lead: no lead '{lead}' in {leads}")
    try:
        history = read_events(events, lead_map, only_lead=lead)
    except DataError as error:
        problems = [str(p) for p in error.problems] + problems
    if problems:
        _fail(problems, _DATA_EXIT)
    return lead_map, history


class _AnyLead(dict[str, Lead]):
    """A stand-in for the leads while the leads file itself is bad: every id is taken as known."""

    def __contains__(self, key: object) -> bool:
        return True


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file written whole or not at all."""
    if path is None:
        yield sys.stdout
        return
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place when complete
        "w", encoding="utf-8", dir=path.parent or ".", delete=False, suffix=".part", newline=""
    )
    try:
        with handle:
            yield handle  # type: ignore[misc]
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


PolicyArg = Annotated[Path, typer.Argument(help="the policy file (YAML)", show_default=False)]
LeadsOpt = Annotated[Path, typer.Option("--leads", help="leads file, .jsonl or .csv")]
EventsOpt = Annotated[Path, typer.Option("--events", help="events file, .jsonl or .csv")]
BackendOpt = Annotated[
    str,
    typer.Option(
        "--backend",
        help="what decides the policy's conditions: reference (the pure-Python engine) or "
        "durable (durable_rules; needs cadence[durable]); the actions are the same",
    ),
]
NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now", help="evaluate as of this moment (ISO-8601 with offset, or a date); default: now"
    ),
]


@app.command(epilog="Example: cadence check policies/*.yaml")
def check(
    policies: Annotated[list[Path], typer.Argument(help="policy files", show_default=False)],
) -> None:
    """Validate policies (and NAME.cases.yaml case files): every problem at once, as
    FILE:LINE:COLUMN: CODE: message."""
    problems: list[str] = []
    for path in policies:
        is_cases = path.name.endswith(".cases.yaml")
        policy_path = (
            path.with_name(path.name.replace(".cases.yaml", ".yaml")) if is_cases else path
        )
        try:
            policy = load_policy(policy_path)
            engine = Engine(policy)
            if is_cases:
                found = load_cases(path, default_timezone=policy.timezone)
        except PolicyError as error:
            problems.extend(str(p) for p in error.problems)
            continue
        if is_cases:
            typer.echo(f"{path}: ok, {len(found)} cases for policy '{policy.policy}'")
        else:
            version = f" version {policy.version}" if policy.version is not None else ""
            typer.echo(
                f"{path}: ok, policy '{policy.policy}'{version} with {len(policy.rules)} rules, "
                f"fingerprint {engine.fingerprint}"
            )
    if problems:
        _fail(problems, _POLICY_EXIT)


@app.command(
    epilog="Example: cadence schema -o docs/policy.schema.json",
)
def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="write to this file instead of standard output"),
    ] = None,
) -> None:
    """Print the JSON Schema of the policy language, for editors: completion, a description of
    every key, and validation as you type (see docs/policy-language.md, "Editor set-up")."""
    with _output(output) as out:
        out.write(schema_text())


@app.command(
    name="next",
    epilog="Example: cadence next policies/post_show.yaml --leads examples/show/leads.jsonl "
    "--events examples/show/events.jsonl --now 2025-07-21T09:00:00+08:00 --owner 'Lin Na'",
)
def next_(
    policy: PolicyArg,
    leads: LeadsOpt,
    events: EventsOpt,
    now: NowOpt = None,
    lead: Annotated[str | None, typer.Option("--lead", help="only this lead")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="only actions for this assignee")
    ] = None,
    due_by: Annotated[
        str | None,
        typer.Option("--due-by", help="only actions due by this moment (ISO-8601 or a date)"),
    ] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="only actions of this rule")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, jsonl or csv")] = "table",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="write to this file instead of standard output"),
    ] = None,
    backend: BackendOpt = "reference",
) -> None:
    """The actions the policy asks for, as of --now: who to contact, how, when and why."""
    if fmt not in ("table", "jsonl", "csv"):
        _fail([f"--format: expected table, jsonl or csv, got '{fmt}'"], _DATA_EXIT)
    engine = _backend(policy, backend)
    if rule is not None:
        _known_rule(engine, rule)
    moment = _now(now, engine)
    limit = _now(due_by, engine, "--due-by") if due_by is not None else None
    lead_map, history = _read(engine, leads, events, lead)
    chosen = [lead_map[lead]] if lead is not None else lead_map.values()
    actions = engine.next_actions_batch(chosen, history, moment)
    if owner is not None:
        actions = [a for a in actions if a.assignee == owner]
    if rule is not None:
        actions = [a for a in actions if a.rule == rule]
    if limit is not None:
        actions = [a for a in actions if a.due <= limit]
    actions.sort(key=Action.sort_key)
    with _output(output) as out:
        if fmt == "table":
            _table(actions, out, moment)
        else:
            write_actions(actions, out, "csv" if fmt == "csv" else "jsonl")


def _table(actions: list[Action], out: TextIO, now: datetime) -> None:
    console = Console(file=out, width=200 if not out.isatty() else None, highlight=False)
    table = Table(title=f"{len(actions)} actions as of {now.isoformat()}", title_justify="left")
    for column in ("due", "lead", "kind", "channel", "assignee", "rule", "refs", "reason"):
        table.add_column(column, overflow="fold")
    for action in actions:
        due = f"{action.due:%Y-%m-%d %H:%M %z}" + (" overdue" if action.overdue else "")
        table.add_row(
            due,
            action.lead_id,
            action.kind,
            action.channel or "",
            action.assignee or "",
            action.rule,
            ", ".join(action.refs),
            action.reason,
        )
    console.print(table)


@app.command(name="test", epilog="Example: cadence test policies/*.yaml")
def test_(
    policies: Annotated[list[Path], typer.Argument(help="policy files", show_default=False)],
    require_coverage: Annotated[
        bool,
        typer.Option("--require-coverage", help="fail when a rule is exercised by no case"),
    ] = False,
) -> None:
    """Run each policy's cases (NAME.cases.yaml beside NAME.yaml) and report the rules no case
    exercises. Exit 1 when a case fails (or, with --require-coverage, a rule is not covered)."""
    problems: list[str] = []
    passed = failed = 0
    uncovered_any = False
    for path in policies:
        if path.name.endswith(".cases.yaml"):
            continue
        try:
            policy = load_policy(path)
            engine = Engine(policy)
            found = load_cases(cases_path(path), default_timezone=policy.timezone)
        except PolicyError as error:
            problems.extend(str(p) for p in error.problems)
            continue
        exercised: set[str] = set()
        for number, case in enumerate(found, start=1):
            result = run_case(engine, case)
            exercised.update(action.rule for action in result.actions)
            if result.passed:
                passed += 1
                continue
            failed += 1
            typer.echo(f"{case.location}: case {number} fails: {case.note}")
            for difference in result.differences:
                typer.echo(f"    {difference}")
        uncovered = [rule.id for rule in policy.rules if rule.id not in exercised]
        uncovered_any = uncovered_any or bool(uncovered)
        coverage = f"{len(policy.rules) - len(uncovered)}/{len(policy.rules)} rules exercised"
        typer.echo(f"{path}: {len(found)} cases, {coverage}")
        if uncovered:
            typer.echo(f"    no case makes these rules ask for anything: {', '.join(uncovered)}")
    if problems:
        _fail(problems, _POLICY_EXIT)
    typer.echo(f"cases: {passed} passed, {failed} failed")
    if failed or (require_coverage and uncovered_any):
        raise typer.Exit(1)


@app.command(
    epilog="Example: cadence explain policies/post_show.yaml --leads examples/show/leads.jsonl "
    "--events examples/show/events.jsonl --lead L0001 --now 2025-07-21T09:00:00+08:00",
)
def explain(
    policy: PolicyArg,
    leads: LeadsOpt,
    events: EventsOpt,
    lead: Annotated[str, typer.Option("--lead", help="the lead to explain")],
    now: NowOpt = None,
) -> None:
    """For one lead: every rule of the policy and what it concluded, in words."""
    engine = _engine(policy)
    moment = _now(now, engine)
    lead_map, history = _read(engine, leads, events, lead)
    explanation = engine.explain(lead_map[lead], history.get(lead, ()), moment)
    for line in render_explanation(explanation):
        typer.echo(line)


def render_explanation(explanation: Explanation) -> Iterator[str]:
    """An explanation as lines of text."""
    e = explanation
    yield f"Lead {e.lead_id} as of {e.now.isoformat()}"
    yield (
        f"  stage {e.stage}, grade {e.grade or '-'}, owner {e.owner or '-'}"
        + (f", opted out of {', '.join(e.opted_out)}" if e.opted_out else "")
    )
    if e.stopped_by == "opt_out":
        yield "  No actions: the lead opted out of every channel."
        return
    if e.stopped_by is not None:
        yield f"  No actions: stopped by '{e.stopped_by}'."
        return
    yield "Rules:"
    for verdict in e.verdicts:
        mark = "asks" if verdict.fired else "no action"
        refs = f" [{', '.join(verdict.refs)}]" if verdict.refs else ""
        yield f"  {verdict.rule}{refs}: {mark}: {verdict.text}"
    yield f"Actions ({len(e.actions)}):"
    for action in e.actions:
        late = " (overdue)" if action.overdue else ""
        channel = f" by {action.channel}" if action.channel else ""
        yield (
            f"  {action.due.isoformat()}{late} {action.kind}{channel} "
            f"for {action.assignee or '-'} [{action.rule}]: {action.reason}"
        )


def _register_policy_tools() -> None:
    """The commands that live in :mod:`cadence.commands`, one module each."""
    from cadence.commands import convert, diff, lint, simulate, verify  # here: they import this

    app.command(name="lint", epilog=lint.EPILOG)(lint.lint)
    app.command(name="diff", epilog=diff.EPILOG)(diff.diff)
    app.command(name="verify", epilog=verify.EPILOG)(verify.verify)
    app.command(name="simulate", epilog=simulate.EPILOG)(simulate.simulate_command)
    app.command(name="convert", epilog=convert.EPILOG)(convert.convert)


_register_policy_tools()


def main() -> None:
    """Entry point of the ``cadence`` command."""
    app()
