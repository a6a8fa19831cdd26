"""`vlmhyperbench bench`: a batch x attention sweep of generation speed, saved case by case."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vlmhyperbench.cli import track
from vlmhyperbench.cli.console import console, err_console, say
from vlmhyperbench.errors import ExitCode, MeasurementFailed, UsageError, VlmHyperBenchError

if TYPE_CHECKING:
    from vlmhyperbench.perf import BenchRun
    from vlmhyperbench.results import SweepFile


def parse_image_size(text: str | None) -> int | tuple[int, int] | None:
    """`448` -> 448, `672x896` -> (672, 896); anything else is a UsageError naming the option."""
    if not text:
        return None
    parts = text.lower().replace("*", "x").split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        return (values[0], values[1])
    raise UsageError(f"--image-size {text!r}: use a side (448) or HEIGHTxWIDTH (672x896)")


def bench(
    model: Annotated[str, typer.Option(help="dummy:<preset> (random weights), a local folder or a HF id.")],
    batch: Annotated[str, typer.Option(help="Comma-separated batch sizes, e.g. 1,8,32.")] = "1",
    new_tokens: Annotated[int, typer.Option(help="Tokens generated per sequence.")] = 128,
    attn: Annotated[
        str | None, typer.Option(help="Comma-separated attention implementations: eager, sdpa, flash.")
    ] = None,
    device: Annotated[str, typer.Option(help="auto (cuda if available), cpu, cuda or cuda:N.")] = "auto",
    dtype: Annotated[str, typer.Option(help="auto (bf16 on GPU, fp32 on CPU), bfloat16, float16.")] = "auto",
    runner: Annotated[
        str,
        typer.Option(
            help="Comma-separated runner modes: generate (stock), static (static KV cache), compiled "
            "(static cache, decode step torch.compile'd; CUDA graphs on GPU)."
        ),
    ] = "generate",
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
        Path | None, typer.Option(help="Results root (default: $VLMHYPERBENCH_RESULTS or .benchmarks).")
    ] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Write the pytest-benchmark JSON.")] = True,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the table as Markdown to this file (for notes, PRs).")
    ] = None,
    trust_remote_code: Annotated[bool, typer.Option(help="Allow a HF model's own Python code.")] = False,
    base_url: Annotated[
        str | None, typer.Option(help="openai:NAME models: the server, e.g. http://127.0.0.1:8000/v1.")
    ] = None,
    concurrency: Annotated[str, typer.Option(help="openai: requests in flight at most, e.g. 1,8,32.")] = "1",
    request_rate: Annotated[
        str, typer.Option(help="openai: requests/s with Poisson arrivals (seeded by --seed), or inf.")
    ] = "inf",
    num_prompts: Annotated[int, typer.Option(help="openai: measured requests per case.")] = 32,
    slo: Annotated[
        str | None, typer.Option(help="openai: goodput targets in ms, e.g. ttft=500,tpot=50.")
    ] = None,
    launch: Annotated[
        str | None, typer.Option(help="openai: a server command to start first and stop after.")
    ] = None,
    request_timeout: Annotated[float, typer.Option(help="openai: seconds per request.")] = 600.0,
    retries: Annotated[int, typer.Option(help="openai: retries on 429, 5xx, dropped connections.")] = 3,
    log_to: track.LogTo = None,
    tracking_uri: track.TrackingUri = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            help="openai: send this dataset's questions, seeded: a folder with annotation.csv, a parquet "
            "file or folder, a save_to_disk folder or hf:NAME[:CONFIG][@SPLIT]."
        ),
    ] = None,
    burstiness: Annotated[
        float, typer.Option(help="openai: gamma shape of the gaps between sends (1 Poisson, <1 burstier).")
    ] = 1.0,
    ramp_up: Annotated[
        str | None, typer.Option(help="openai: linear or exponential, the rate from --ramp-up-start to -end.")
    ] = None,
    ramp_up_start: Annotated[float | None, typer.Option(help="openai: requests/s at the first send.")] = None,
    ramp_up_end: Annotated[float | None, typer.Option(help="openai: requests/s at the last send.")] = None,
    strict_rate: Annotated[
        bool, typer.Option(help="openai: fail when the achieved send rate fell >5 % behind the plan.")
    ] = False,
    sweep_kind: Annotated[
        str,
        typer.Option("--sweep", help="openai: grid (every concurrency x rate) or saturation (needs --slo)."),
    ] = "grid",
    probes: Annotated[int, typer.Option(help="openai: --sweep saturation's most rate probes.")] = 6,
    slo_share: Annotated[
        float, typer.Option(help="openai: share of requests that must meet the --slo for a rate to pass.")
    ] = 0.9,
    launch_timeout: Annotated[
        float, typer.Option(help="openai: seconds a --launch server may take to answer /v1/models.")
    ] = 600.0,
) -> None:
    """Measure generation speed (TTFT, TPOT, tokens/s, memory, vision/LM split) over batch sizes.

    Results are saved after every finished case: an interrupted or failed sweep keeps what it measured.
    A batch size that runs out of memory is reported in the table and the sweep goes on.
    """
    from rich.markup import escape

    from vlmhyperbench.engines.preflight import check_model

    check_model(model)  # a typo or an unreachable hub id fails before torch is imported
    from vlmhyperbench.engines import ENGINES, LoadOptions, engine_name

    track.check(log_to, tracking_uri)
    from vlmhyperbench.models import resolve_attn, resolve_device
    from vlmhyperbench.perf import BenchRun, SweepSettings, parse_batches, run_bench, speed_record
    from vlmhyperbench.perf.runners import parse_runners
    from vlmhyperbench.results import ResultStore, SweepFile
    from vlmhyperbench.runs.progress import progress_bar

    if ENGINES.get(engine_name(model)).served:  # concurrency x load shape, see cli/bench_serve.py
        from vlmhyperbench.cli.bench_serve import ServedOptions, bench_served
        from vlmhyperbench.serve import ServerOptions

        if batch != "1" or attn or overhead:
            raise UsageError("a served model takes --concurrency, not --batch, --attn or --overhead")
        served = ServedOptions(
            concurrency=concurrency, request_rate=request_rate, num_prompts=num_prompts, slo=slo,
            burstiness=burstiness, ramp_up=ramp_up, ramp_up_start=ramp_up_start, ramp_up_end=ramp_up_end,
            strict_rate=strict_rate, dataset=dataset, sweep=sweep_kind, probes=probes, slo_share=slo_share,
            new_tokens=new_tokens, fixed_length=fixed_length, warmup=warmup, seed=seed,
        )  # fmt: skip
        server = ServerOptions(
            base_url, request_timeout, retries, launch=launch, ready_timeout_s=launch_timeout
        )
        saved_path = bench_served(model, served, server, results, save, markdown)
        if saved_path is not None:
            from vlmhyperbench.tracking import bench_result

            track.log_result(log_to, tracking_uri, lambda: bench_result(saved_path))
        return
    if dataset or ramp_up or strict_rate or sweep_kind != "grid" or burstiness != 1.0:
        raise UsageError(
            "--dataset, --burstiness, --ramp-up, --strict-rate and --sweep are for openai: models"
        )
    batches = parse_batches(batch)
    size = parse_image_size(image_size)
    attns: list[str | None] = [a.strip() for a in attn.split(",") if a.strip()] if attn else [None]
    for name in attns:  # every implementation before any is measured: a late typo loses nothing
        resolve_attn(name)
    resolve_device(device)
    settings = SweepSettings(
        model,
        batches=tuple(batches),
        attns=tuple(attns),
        runners=tuple(parse_runners(runner)),
        new_tokens=new_tokens,
        rounds=rounds,
        warmup=warmup,
        fixed_length=fixed_length,
        overhead=overhead,
        load=LoadOptions(
            device=device, dtype=dtype, seed=seed, image_size=size, trust_remote_code=trust_remote_code
        ),
    )

    run = BenchRun(model)
    saved = SweepFile(ResultStore(results))
    if save:  # a read-only or full results folder is refused before the model loads
        saved.store.check_writable(then="; nothing was measured or saved")

    def save_so_far(run: BenchRun) -> None:
        if save and run.cases:
            saved.save(speed_record(run, rounds, warmup), len(run.cases))

    label = escape(model)  # a path may hold rich markup such as `[/x]`
    total = settings.cases * (rounds + warmup)
    progress = progress_bar(err_console)
    try:
        with progress:
            task = progress.add_task(f"{label}: loading", total=total)

            def step(description: str) -> None:
                progress.update(task, advance=1, description=f"{label}: {escape(description)}")

            run_bench(settings, on_step=step, on_case=save_so_far, run=run)
    except KeyboardInterrupt:
        render(run, markdown, saved)
        err_console.print(f"[yellow]interrupted[/yellow]: {escape(saved.kept(len(run.cases)))}")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except VlmHyperBenchError:
        render(run, markdown, saved)
        raise
    except Exception as exc:
        render(run, markdown, saved)
        raise MeasurementFailed(f"{type(exc).__name__}: {exc} ({saved.kept(len(run.cases))})") from exc
    render(run, markdown, saved)
    run.check_measured()
    if saved.path is not None:
        from vlmhyperbench.tracking import bench_result

        record = saved.path
        track.log_result(log_to, tracking_uri, lambda: bench_result(record))


def render(run: BenchRun, markdown: Path | None, saved: SweepFile) -> None:
    """The table of what was measured, the cases that could not run, and where everything was written."""
    from rich.markup import escape

    from vlmhyperbench.report.bench import bench_markdown, print_bench
    from vlmhyperbench.writes import write_file

    rows = [case.row() for case in run.cases]
    if rows:
        print_bench(rows, console)
    for case in run.failed:
        err_console.print("[yellow]not measured:[/yellow]", escape(f"{case.name}: {case.error}"))
    if saved.path is not None:  # said before the Markdown is written: a refused --markdown loses nothing
        say(f"results: {saved.path}")
    if markdown is not None and rows:
        write_file(markdown, bench_markdown(rows))
        say(f"markdown: {markdown}")
