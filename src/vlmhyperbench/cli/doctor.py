"""`vlmhyperbench doctor`: check this environment against the project's contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmhyperbench.cli.console import console
from vlmhyperbench.errors import ExitCode


def doctor(
    json_output: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
    project_root: Annotated[
        Path | None, typer.Option(help="Repository root for the pin and lock checks (default: from cwd).")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Also check that this model can be had here: a dummy:<preset>, folder or HF id."),
    ] = None,
) -> None:
    """Check this environment against the project's contract and say how to fix what fails."""
    if model is not None:  # first, and without loading anything: a typo or an offline hub id is one line
        from vlmhyperbench.engines.preflight import check_model

        check_model(model)
    from vlmhyperbench.env.doctor import run_checks
    from vlmhyperbench.report.doctor import print_checks, to_json

    checks = run_checks(project_root)
    if json_output:
        typer.echo(to_json(checks))
    else:
        print_checks(checks, console)
    if any(check.failed for check in checks):
        raise typer.Exit(ExitCode.FAILED)
