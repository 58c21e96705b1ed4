"""``cadence verify POLICY``: search generated leads for one where the policy breaks an invariant.

Registered by :mod:`cadence.cli` as ``app.command(epilog=EPILOG)(verify)``. Exit codes: 0 no
violation found, 1 a violation (printed as a timeline) or an invalid policy (printed as
``cadence check`` prints it), 2 a case file that cannot be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cadence.errors import PolicyError
from cadence.policy import load_policy

EPILOG = (
    "Example: cadence verify policies/post_show.yaml --examples 500 --seed 1 "
    "--save-case found.cases.yaml"
)

_FOUND_EXIT = 1
_ARGUMENT_EXIT = 2


def verify(
    policy: Annotated[Path, typer.Argument(help="the policy file", show_default=False)],
    examples: Annotated[
        int, typer.Option("--examples", min=1, help="how many generated leads to try")
    ] = 200,
    seed: Annotated[
        int, typer.Option("--seed", help="the seed: the same seed, the same search")
    ] = 0,
    save_case: Annotated[
        Path | None,
        typer.Option("--save-case", help="write the violation found as a case file here"),
    ] = None,
) -> None:
    """Search generated leads and histories, carrying out what the policy asks, for one that
    breaks a built-in invariant (opt-outs, quiet and working hours, caps, every lead has an
    action, nothing before its anchor, an escalation exactly when an obligation is missed, no
    rule that outruns a cap on its own) or one of the policy's own invariants; print it as a
    timeline of that lead and exit 1, or print 'no violation in N examples'."""
    from cadence.verify import render, to_case_yaml
    from cadence.verify import verify as search

    try:
        loaded = load_policy(policy)
        found = search(loaded, examples=examples, seed=seed)
    except PolicyError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(_FOUND_EXIT) from None
    if found is None:
        typer.echo(f"{policy}: no violation in {examples} examples (seed {seed})")
        return
    typer.echo(render(found), nl=False)
    if save_case is not None:
        try:
            save_case.write_text(to_case_yaml(found), encoding="utf-8")
        except OSError as error:
            typer.echo(f"--save-case: cannot write {save_case}: {error}", err=True)
            raise typer.Exit(_ARGUMENT_EXIT) from None
        typer.echo(f"case written to {save_case}")
    raise typer.Exit(_FOUND_EXIT)
