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
        Path | None, typer.Option(help="Repository root for the pin and lock checks (default: from cwd).")
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
    project_root: Annotated[Path | None, typer.Option(help="Repository root (default: from cwd).")] = None,
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


def _parse_image_size(text: str | None) -> int | tuple[int, int] | None:
    if not text:
        return None
    parts = text.lower().replace("*", "x").split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"--image-size {text!r}: use a side (448) or HEIGHTxWIDTH (672x896)") from None
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        return (values[0], values[1])
    raise ValueError(f"--image-size {text!r}: use a side (448) or HEIGHTxWIDTH (672x896)")


@app.command()
def bench(
    model: Annotated[str, typer.Option(help="dummy:<preset> (random weights), a local folder or a HF id.")],
    batch: Annotated[str, typer.Option(help="Comma-separated batch sizes, e.g. 1,8,32.")] = "1",
    new_tokens: Annotated[int, typer.Option(help="Tokens generated per sequence.")] = 128,
    attn: Annotated[
        str | None, typer.Option(help="Comma-separated attention implementations: eager, sdpa, flash.")
    ] = None,
    device: Annotated[str, typer.Option(help="auto (cuda if available), cpu, cuda or cuda:N.")] = "auto",
    dtype: Annotated[str, typer.Option(help="auto (bf16 on GPU, fp32 on CPU), bfloat16, float16.")] = "auto",
    rounds: Annotated[int, typer.Option(help="Measured rounds per configuration.")] = 3,
    warmup: Annotated[int, typer.Option(help="Unmeasured warm-up rounds per configuration.")] = 1,
    image_size: Annotated[
        str | None, typer.Option(help="Image resolution, a side or HEIGHTxWIDTH (fixes the image tokens).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the random weights of dummy: models.")] = 0,
    fixed_length: Annotated[
        bool, typer.Option("--fixed-length/--variable-length", help="Ignore EOS: decode every token asked.")
    ] = True,
    overhead: Annotated[
        bool,
        typer.Option(help="Pair each measured round with a bare generate and report the tokens/s ratio."),
    ] = False,
    results: Annotated[
        Path | None, typer.Option(help="Results root (default: this cell's folder under .benchmarks/).")
    ] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Write the pytest-benchmark JSON.")] = True,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the table as Markdown to this file (for notes, PRs).")
    ] = None,
    trust_remote_code: Annotated[bool, typer.Option(help="Allow a HF model's own Python code.")] = False,
) -> None:
    """Measure generation speed (TTFT, TPOT, tokens/s, memory, vision/LM split) over batch sizes.

    Results are saved after every finished case: an interrupted or failed sweep keeps what it measured.
    A batch size that runs out of memory is reported in the table and the sweep goes on.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from vlmhyperbench.models import ModelLoadError, resolve_attn, resolve_device
    from vlmhyperbench.perf import BenchRun, parse_batches, run_bench, save_results, to_pytest_benchmark_json
    from vlmhyperbench.report.bench import bench_markdown, print_bench

    try:
        batches = parse_batches(batch)
        size = _parse_image_size(image_size)
        if new_tokens < 1 or rounds < 1 or warmup < 0:
            raise ValueError("need --new-tokens >= 1, --rounds >= 1 and --warmup >= 0")
        attns: list[str | None] = [a.strip() for a in attn.split(",") if a.strip()] if attn else [None]
        for name in attns:  # every implementation before any is measured: a late typo loses nothing
            resolve_attn(name)
        resolve_device(device)
    except (ValueError, ModelLoadError) as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None

    run = BenchRun(model)
    saved: list[Path] = []

    def save_so_far(run: BenchRun) -> None:
        if not save or not run.cases:
            return
        from vlmhyperbench.env.cell import cell_storage

        folder = cell_storage(root=results) if results else None
        path = save_results(
            to_pytest_benchmark_json(run, rounds, warmup), folder, saved[0] if saved else None
        )
        saved[:1] = [path]

    def finish(code: int, problem: str | None = None) -> None:
        rows = [case.row() for case in run.cases]
        if rows:
            print_bench(rows, console)
        for case in run.failed:
            err_console.print(f"[yellow]not measured:[/yellow] {case.name}: {case.error}")
        if markdown is not None and rows:
            markdown.write_text(bench_markdown(rows), encoding="utf-8")
            console.print(f"markdown: {markdown}", markup=False, highlight=False, soft_wrap=True)
        if saved:
            console.print(f"results: {saved[0]}", markup=False, highlight=False, soft_wrap=True)
        if problem:
            err_console.print(problem)
        if code:
            raise typer.Exit(code)

    total = len(attns) * len(batches) * (rounds + warmup)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    try:
        with progress:
            task = progress.add_task(f"{model}: loading", total=total)

            def step(description: str) -> None:
                progress.update(task, advance=1, description=f"{model}: {description}")

            run_bench(
                model,
                batches,
                attns,
                new_tokens=new_tokens,
                rounds=rounds,
                warmup=warmup,
                device=device,
                dtype=dtype,
                image_size=size,
                seed=seed,
                fixed_length=fixed_length,
                trust_remote_code=trust_remote_code,
                overhead=overhead,
                on_step=step,
                on_case=save_so_far,
                run=run,
            )
    except (ModelLoadError, ValueError) as exc:
        finish(2, f"[red]error:[/red] {exc}")
    except KeyboardInterrupt:
        finish(130, f"[yellow]interrupted[/yellow] after {len(run.cases)} finished case(s); they are kept.")
    except Exception as exc:
        finish(1, f"[red]error:[/red] {type(exc).__name__}: {exc} ({len(run.cases)} finished case(s) kept)")
    finish(0)


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
        f"[green]ok[/green] {directory}: {len(dataset)} questions, "
        f"{len(dataset.values('image_path'))} images, "
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


@app.command("run")
def run_command(
    config: Annotated[
        Path | None, typer.Argument(help="YAML run config (omit: a tiny dummy model on a tiny synthetic set)")
    ] = None,
    model: Annotated[str | None, typer.Option(help="dummy:<preset>, a local folder or a HF id.")] = None,
    dataset: Annotated[Path | None, typer.Option(help="Dataset folder (annotation.csv + images).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: results/run-<timestamp>)")] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the run in --out, asking only what is missing.")
    ] = False,
    print_config: Annotated[
        bool, typer.Option("--print-config", help="Print the resolved config as YAML and stop.")
    ] = False,
) -> None:
    """Evaluate a VLM on a document dataset: answers, metrics, aggregations and a report."""
    from vlmhyperbench.data import DatasetError
    from vlmhyperbench.data.prompts import PromptError
    from vlmhyperbench.eval.answers import AnswersError
    from vlmhyperbench.eval.config import ConfigError, load_config
    from vlmhyperbench.eval.run import RunError, run_evaluation

    try:
        settings = load_config(config)
        given = {"model": model, "dataset": dataset, "out": out}
        overrides = {k: v for k, v in given.items() if v is not None}
        settings = settings.model_copy(update=overrides)
        if print_config:
            import yaml

            typer.echo(yaml.safe_dump(settings.model_dump(mode="json"), allow_unicode=True, sort_keys=False))
            return
        if resume and settings.out is None:
            raise RunError("--resume needs the run's folder: pass --out or set out in the config")
        result = run_evaluation(settings, resume=resume, console=err_console)
    except (ConfigError, DatasetError, PromptError, AnswersError, RunError) as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except ValueError as exc:  # a model spec or load option the models package refuses
        if type(exc).__name__ != "ModelLoadError":
            raise
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    general = result.summary["general"]
    scores = ", ".join(f"{k} {v:.3f}" for k, v in general.items() if k != "count" and isinstance(v, float))
    console.print(f"{result.questions} questions: {scores}", highlight=False, soft_wrap=True)
    for name, path in result.files.items():
        console.print(f"  {name}: {path}", highlight=False, soft_wrap=True)


# --- regressions: compare (vlmhyperbench.compare, vlmhyperbench.report.compare) -------------------


def _parse_threshold(text: str) -> float:
    """`5%`, `5 %` or `0.05` -> 0.05."""
    cleaned = text.strip()
    try:
        if cleaned.endswith("%"):
            return float(cleaned[:-1].strip()) / 100.0
        return float(cleaned)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a fraction (0.05) or a percentage (5%)") from None


@app.command()
def compare(
    results: Annotated[
        list[str],
        typer.Argument(
            help="BASELINE CURRENT [MORE...]: result JSON files, stored runs (CELL, CELL:latest, "
            "CELL:previous, CELL:NNNN) or baseline:NAME. More than two: cross-cell table against the first. "
            "One: compare it with --baseline NAME, else with its cell's previous run (the CI gate).",
            show_default=False,
        ),
    ],
    figure: Annotated[
        str,
        typer.Option("--figure", "-f", help="decode_tokens_per_s, ttft_s, tpot_s, images_per_s, memory, ..."),
    ] = "decode_tokens_per_s",
    threshold: Annotated[
        str, typer.Option(help="Fail (exit 1) on a significant regression worse than this (5% or 0.05).")
    ] = "5%",
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    baseline: Annotated[
        str | None, typer.Option(help="With one input: the named baseline to compare it with.")
    ] = None,
    fallback_previous: Annotated[
        bool,
        typer.Option("--fallback-previous", help="With --baseline: the previous run if NAME is not saved."),
    ] = False,
    save_baseline: Annotated[
        str | None,
        typer.Option(help="Store the current (last) result as baseline NAME, unless the comparison failed."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --save-baseline: save even when the comparison failed.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Folder for compare.md/.png/.json (default: <results root>/compare).")
    ] = None,
    allow_mismatch: Annotated[
        bool,
        typer.Option("--allow-mismatch", help="Compare benchmarks whose config differs (a note, no error)."),
    ] = False,
    root: Annotated[
        Path | None, typer.Option(help="Results root (default: $VLMHYPERBENCH_RESULTS or .benchmarks).")
    ] = None,
) -> None:
    """Compare benchmark runs, cells or baselines; exit 1 on a significant regression beyond --threshold."""
    from rich.markup import escape

    from vlmhyperbench.compare import ResultError, plan_gate, resolve
    from vlmhyperbench.compare import compare as compare_results
    from vlmhyperbench.compare import save_baseline as save
    from vlmhyperbench.env.cell import storage_root
    from vlmhyperbench.registry import UnknownNameError
    from vlmhyperbench.report.compare import print_comparison, write_report

    root = root or storage_root()
    try:
        limit = _parse_threshold(threshold)
        if len(results) == 1:  # the gate: a baseline, else the cell's previous run
            plan = plan_gate(results[0], baseline, root, fallback=fallback_previous)
            reference, others = plan.reference, [plan.current]
            console.print(f"{plan.current.source}: {plan.reason}", markup=False, highlight=False)
        else:
            if baseline:
                raise typer.BadParameter("--baseline is for a single input; pass baseline:NAME as an input")
            reference, *others = [resolve(address, root) for address in results]
        current = others[-1]
        comparison = None
        if reference is None:
            console.print("[yellow]nothing to compare with yet[/yellow]")
        else:
            comparison = compare_results(
                reference,
                others,
                figure=figure,
                threshold=limit,
                confidence=confidence,
                allow_mismatch=allow_mismatch,
            )
    except (ResultError, UnknownNameError, ValueError, typer.BadParameter) as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None

    code = 0
    if comparison is not None:
        print_comparison(comparison, console)
        paths = write_report(comparison, out or root / "compare")
        console.print("wrote " + ", ".join(str(p) for p in paths.values()), markup=False, highlight=False)
        code = comparison.exit_code()
    if save_baseline:
        if code and not force:
            err_console.print(
                f"[yellow]baseline {save_baseline!r} not saved: the comparison failed (--force saves it)"
            )
        else:
            try:
                target = save(current, save_baseline, root)
            except ResultError as exc:
                err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
                raise typer.Exit(2) from None
            console.print(f"saved {current.source} as baseline {save_baseline!r} ({target})", markup=False)
    raise typer.Exit(code)


def main() -> None:
    """Entry point: a missing torch ends in one clear message and exit code 3, not a traceback."""
    try:
        app()
    except TorchMissingError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_TORCH_MISSING)


if __name__ == "__main__":
    main()
