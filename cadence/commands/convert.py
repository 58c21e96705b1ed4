"""``cadence convert --mapping MAPPING EXPORT --leads OUT --events OUT``: a CRM's export, read
through a mapping file, written as the contract's leads and events files.

Registered by :mod:`cadence.cli` as ``app.command(epilog=EPILOG)(convert)``. Both files are
written whole or not at all (each to a temporary file beside it, renamed when both are complete).
Exit codes: 0 written; 2 a bad mapping (``FILE:LINE:COLUMN: CODE: message``), bad rows
(``FILE:LINE: message``) or arguments, every problem listed and nothing written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from cadence.data import Format, format_of

EPILOG = (
    "Example: cadence convert --mapping examples/bpi2012/mapping.yaml "
    "../shared/data/bpi2012/bpi2012_followup_touches.csv.gz "
    "--leads /tmp/bpi/leads.jsonl --events /tmp/bpi/events.jsonl"
)

_DATA_EXIT = 2


def convert(
    export: Annotated[
        Path,
        typer.Argument(help="the CRM's export: .csv, .jsonl, or either .gz", show_default=False),
    ],
    mapping: Annotated[Path, typer.Option("--mapping", help="the mapping file (YAML)")],
    leads: Annotated[Path, typer.Option("--leads", help="leads file to write, .jsonl or .csv")],
    events: Annotated[Path, typer.Option("--events", help="events file to write, .jsonl or .csv")],
) -> None:
    """Read EXPORT through MAPPING (see docs/exports.md) and write the contract's leads and
    events files; print how many leads and events, and the rows skipped for each activity the
    mapping does not know (with unmapped: skip)."""
    from cadence.cli import _fail
    from cadence.errors import DataError, MappingError
    from cadence.exports import export_format, load_mapping, read_export, write_events, write_leads

    problems: list[str] = []
    formats: list[Format] = []
    for option, path in (("--leads", leads), ("--events", events)):
        try:
            formats.append(format_of(path))
        except ValueError as error:
            problems.append(f"{option}: {error}")
        if path.parent and not path.parent.is_dir():
            problems.append(f"{option}: the folder {str(path.parent)!r} does not exist")
    try:
        export_format(export)
    except ValueError as error:
        problems.append(f"{export}: {error}")
    if leads.resolve() == events.resolve():
        problems.append("--leads and --events name the same file")
    try:
        found = load_mapping(mapping)
    except MappingError as error:
        problems = [str(p) for p in error.problems] + problems
    if problems:
        _fail(problems, _DATA_EXIT)
    try:
        result = read_export(found, export)
    except DataError as error:
        _fail([str(p) for p in error.problems], _DATA_EXIT)
    with _outputs(leads, events) as (leads_out, events_out):
        write_leads(result.leads.values(), leads_out, formats[0])
        write_events(result.events, events_out, formats[1])
    count = sum(len(history) for history in result.events.values())
    typer.echo(
        f"{export}: {result.rows:,} rows -> {len(result.leads):,} leads ({leads}), "
        f"{count:,} events ({events})"
    )
    if result.skipped:
        total = sum(result.skipped.values())
        typer.echo(f"skipped {total:,} rows whose {found.activity} the mapping does not know:")
        for value, rows in sorted(result.skipped.items(), key=lambda item: (-item[1], item[0])):
            typer.echo(f"    {rows:>8,}  {value}")


@contextmanager
def _outputs(*paths: Path) -> Iterator[tuple[TextIO, ...]]:
    """Files written whole or not at all: temporary files renamed into place when all are done."""
    handles: list[tempfile._TemporaryFileWrapper[str]] = []
    try:
        with ExitStack() as stack:
            for path in paths:
                handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed when complete
                    "w",
                    encoding="utf-8",
                    dir=path.parent or ".",
                    delete=False,
                    suffix=".part",
                    newline="",
                )
                handles.append(handle)
                stack.enter_context(handle)
            yield tuple(handles)  # type: ignore[arg-type]
        mask = os.umask(0)  # temporary files are private (0600): give the usual permissions
        os.umask(mask)
        for handle, path in zip(handles, paths, strict=True):
            os.chmod(handle.name, 0o666 & ~mask)
            os.replace(handle.name, path)
    except BaseException:
        for handle in handles:
            Path(handle.name).unlink(missing_ok=True)
        raise
