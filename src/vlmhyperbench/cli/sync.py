"""`vlmhyperbench sync`: install the locked environment with the right `uv sync`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmhyperbench.cli.console import console, say


def sync(
    backend: Annotated[str, typer.Option(help="auto, or a backend name such as cu124 / cu128.")] = "auto",
    profile: Annotated[str, typer.Option(help="dev, staging or prod.")] = "dev",
    frozen: Annotated[bool, typer.Option(help="Install the lock as it is, without checking it.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the uv command, run nothing.")] = False,
    project_root: Annotated[Path | None, typer.Option(help="Repository root (default: from cwd).")] = None,
) -> None:
    """Install the locked environment for a backend and profile with the right `uv sync`."""
    from vlmhyperbench.env.sync import plan_sync, run_sync

    plan = plan_sync(backend=backend, profile=profile, frozen=frozen, project_root=project_root)
    console.print(f"[bold]backend[/bold] {plan.backend.name} ({plan.reason})")
    say(f"$ {plan.shell_command()}")
    if not dry_run:
        raise typer.Exit(run_sync(plan))
