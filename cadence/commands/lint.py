"""``cadence lint POLICY...``: warnings about valid policies, with their locations.

Registered by :mod:`cadence.cli` as ``app.command(epilog=EPILOG)(lint)``. Exit codes: 0 no
warning (notes do not count unless ``--strict``), 1 a warning (or an invalid policy, printed as
``cadence check`` prints it), 2 a regulations file that cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cadence.errors import NOTE_CODES, PolicyError
from cadence.policy.lint import format_warning, lint_file, read_regulations

EPILOG = "Example: cadence lint policies/post_show.yaml --regulations ../shared/REGULATIONS.md"

_WARNINGS_EXIT = 1
_ARGUMENT_EXIT = 2


def lint(
    policies: Annotated[list[Path], typer.Argument(help="policy files", show_default=False)],
    regulations: Annotated[
        Path | None,
        typer.Option(
            "--regulations",
            help="a Markdown file of regulation clauses (R000-1...); warn about refs not in it",
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="exit 1 on notes too (unused stages and events)")
    ] = False,
) -> None:
    """Warn about what is valid but probably not meant: unreachable grades, rules that never
    fire, cadences the caps or hours make impossible, unused stages and events, refs. Prints
    FILE:LINE:COLUMN: warning CODE: message (or 'note' for unused stages and events); exit 1
    when there is a warning (or a note, with --strict). NAME.cases.yaml files are skipped."""
    clauses: set[str] | None = None
    if regulations is not None:
        try:
            clauses = read_regulations(regulations)
        except (OSError, UnicodeDecodeError) as error:
            typer.echo(f"--regulations: cannot read {regulations}: {error}", err=True)
            raise typer.Exit(_ARGUMENT_EXIT) from None
    problems: list[str] = []
    warned = False
    for path in policies:
        if path.name.endswith(".cases.yaml"):
            continue
        try:
            warnings = lint_file(path, regulations=clauses)
        except PolicyError as error:
            problems.extend(str(p) for p in error.problems)
            continue
        for warning in warnings:
            typer.echo(format_warning(warning))
        counted = [w for w in warnings if strict or w.code not in NOTE_CODES]
        if not counted:
            typer.echo(f"{path}: ok, no warnings" + (" (notes only)" if warnings else ""))
        warned = warned or bool(counted)
    for line in problems:
        typer.echo(line, err=True)
    if problems or warned:
        raise typer.Exit(_WARNINGS_EXIT)
