"""The `vlmhyperbench` command line.

Commands import their heavy modules inside the function body, so `--help`, `doctor` and `sync` work in an
environment without torch, and every command that needs torch stops with the `uv sync --extra` message.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vlmhyperbench.env.torch_guard import TorchMissingError

app = typer.Typer(
    help="Benchmark how well and how fast vision-language models read documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

EXIT_TORCH_MISSING = 3


# --- environment: doctor, sync -------------------------------------------------------------------


@app.command()
def doctor(
    json_output: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
    project_root: Annotated[
        Path | None, typer.Option(help="Repository root for the pin and lock checks (default: found from cwd).")
    ] = None,
) -> None:
    """Check this environment against the project's contract and say how to fix what fails."""
    from vlmhyperbench.env.doctor import run_checks
    from vlmhyperbench.report.doctor import print_checks, to_json

    checks = run_checks(project_root)
    if json_output:
        typer.echo(to_json(checks))
    else:
        print_checks(checks, console)
    if any(check.failed for check in checks):
        raise typer.Exit(1)


@app.command()
def sync(
    backend: Annotated[str, typer.Option(help="auto, or a backend name such as cu124 / cu128.")] = "auto",
    profile: Annotated[str, typer.Option(help="dev, staging or prod.")] = "dev",
    frozen: Annotated[bool, typer.Option(help="Install the lock as it is, without checking it.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the uv command, run nothing.")] = False,
    project_root: Annotated[Path | None, typer.Option(help="Repository root (default: found from cwd).")] = None,
) -> None:
    """Install the locked environment for a backend and profile with the right `uv sync`."""
    from vlmhyperbench.env.sync import SyncError, plan_sync, run_sync

    try:
        plan = plan_sync(backend=backend, profile=profile, frozen=frozen, project_root=project_root)
    except SyncError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"[bold]backend[/bold] {plan.backend.name} ({plan.reason})")
    console.print(f"$ {plan.shell_command()}", markup=False, highlight=False)
    if not dry_run:
        raise typer.Exit(run_sync(plan))


# --- speed: bench (vlmhyperbench.models, vlmhyperbench.perf) --------------------------------------

# --- quality: data, run (vlmhyperbench.data, vlmhyperbench.eval, vlmhyperbench.report) ------------

# --- regressions: compare (vlmhyperbench.perf.compare) ---------------------------------------------


def main() -> None:
    """Entry point: a missing torch ends in one clear message and exit code 3, not a traceback."""
    try:
        app()
    except TorchMissingError as exc:
        err_console.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        sys.exit(EXIT_TORCH_MISSING)


if __name__ == "__main__":
    main()
