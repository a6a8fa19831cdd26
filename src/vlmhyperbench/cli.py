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
        try:
            code = run_sync(plan)
        except SyncError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        raise typer.Exit(code)


# --- speed: bench (vlmhyperbench.models, vlmhyperbench.perf) --------------------------------------

# --- quality: data, run (vlmhyperbench.data, vlmhyperbench.eval, vlmhyperbench.report) ------------

data_app = typer.Typer(help="Check and build datasets in the VLMHyperBench format.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("check")
def data_check(
    directory: Annotated[Path, typer.Argument(help="Dataset folder holding annotation.csv and the images.")],
) -> None:
    """Validate a dataset and list every problem (exit 1 if there is any): the checks a run makes first."""
    from vlmhyperbench.data import check_dataset, load_dataset

    problems = check_dataset(directory)
    if problems:
        for problem in problems:
            err_console.print(f"[red]error:[/red] {problem}", highlight=False, soft_wrap=True)
        err_console.print(f"{len(problems)} problem(s) in {directory}")
        raise typer.Exit(1)
    dataset = load_dataset(directory, check_images=False)
    console.print(
        f"[green]ok[/green] {directory}: {len(dataset)} questions, {len(dataset.values('image_path'))} images, "
        f"doc_class: {', '.join(dataset.values('doc_class'))}",
        highlight=False,
        soft_wrap=True,
    )


@data_app.command("synth")
def data_synth(
    out: Annotated[Path, typer.Option(help="Folder to write annotation.csv and images/ into.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Number of document images.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 0,
    doc_class: Annotated[
        list[str] | None, typer.Option(help="Only these classes (repeatable): passport, snils, inn, invoice.")
    ] = None,
) -> None:
    """Render the built-in synthetic Russian document set (passport, SNILS, INN, invoice) with questions."""
    from vlmhyperbench.data.synth import synthesize

    try:
        dataset = synthesize(out, n=n, seed=seed, doc_classes=doc_class)
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"wrote {n} documents, {len(dataset)} questions to {out}", highlight=False)


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
