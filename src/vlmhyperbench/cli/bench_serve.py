"""`vlmhyperbench bench --model openai:NAME`: the serving benchmark, reached through `bench`'s options.

One command for both kinds of model: the engine the spec selects decides what is swept (batch sizes
in-process, concurrency x request rate against a server), and both save to the same result store, so
`compare` and the tables read an in-process run and a served one alike.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vlmhyperbench.cli.console import console, err_console, say
from vlmhyperbench.errors import ExitCode, MeasurementFailed, VlmHyperBenchError
from vlmhyperbench.serve.options import ServerOptions

if TYPE_CHECKING:
    from vlmhyperbench.perf import BenchRun
    from vlmhyperbench.serve.sweep import ServingSweep


def bench_served(
    model: str,
    sweep: ServingSweep,
    server: ServerOptions,
    results: Path | None,
    save: bool,
    markdown: Path | None,
) -> None:
    """Load the served engine (starting `--launch`), run the sweep, save after each case, render."""
    from dataclasses import replace

    from rich.markup import escape
    from rich.progress import Progress, TextColumn, TimeElapsedColumn

    from vlmhyperbench.engines import LoadOptions, create_engine
    from vlmhyperbench.engines.openai import OpenAIEngine
    from vlmhyperbench.env.cell import current_cell
    from vlmhyperbench.perf import BenchRun, speed_record
    from vlmhyperbench.results import ResultStore
    from vlmhyperbench.serve.sweep import serving_sweep

    store = ResultStore(results)
    folder = store.cell_folder(current_cell().id)
    if server.launch and server.launch_log is None:  # the server's log is kept with the results
        stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
        server = replace(server, launch_log=folder / "server-logs" / f"{stamp}.log")
    run = BenchRun(model)
    saved: list[Path] = []

    def save_so_far(run: BenchRun) -> None:
        if save and run.cases:
            record = speed_record(run, sweep.num_prompts, sweep.warmup)
            path = store.save(record, saved[0] if saved else None)
            saved[:1] = [path]

    progress = Progress(TextColumn("[bold]{task.description}"), TimeElapsedColumn(), console=err_console,
                        transient=True)  # fmt: skip
    try:
        with progress, create_engine(model, LoadOptions(seed=sweep.seed, server=server)) as engine:
            progress.add_task(f"{escape(model)}: {sweep.cases} case(s) x {sweep.num_prompts} requests")
            assert isinstance(engine, OpenAIEngine)
            serving_sweep(engine, sweep, on_case=save_so_far, run=run)
    except KeyboardInterrupt:
        render(run, markdown, saved, server)
        err_console.print(f"[yellow]interrupted[/yellow] after {len(run.cases)} case(s); they are kept.")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except VlmHyperBenchError:
        render(run, markdown, saved, server)
        raise
    except Exception as exc:
        render(run, markdown, saved, server)
        raise MeasurementFailed(f"{type(exc).__name__}: {exc} ({len(run.cases)} case(s) kept)") from exc
    render(run, markdown, saved, server)


def render(run: BenchRun, markdown: Path | None, saved: list[Path], server: ServerOptions) -> None:
    from vlmhyperbench.report.serving import print_serving, serving_markdown

    infos = [case.info for case in run.cases]
    print_serving(infos, console)
    for case in run.failed:
        say(f"not measured: {case.name}: {case.error}", err=True)
    if markdown is not None and infos:
        markdown.write_text(serving_markdown(infos), encoding="utf-8")
        say(f"markdown: {markdown}")
    if saved:
        say(f"results: {saved[0]}")
    if server.launch_log is not None:
        say(f"server log: {server.launch_log}")
