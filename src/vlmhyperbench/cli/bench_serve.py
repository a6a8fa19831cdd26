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
    from vlmhyperbench.results import SweepFile
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
    from vlmhyperbench.results import ResultStore, SweepFile
    from vlmhyperbench.serve.sweep import serving_sweep

    store = ResultStore(results)
    folder = store.cell_folder(current_cell().id)
    if server.launch and server.launch_log is None:  # the server's log is kept with the results
        stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
        server = replace(server, launch_log=folder / "server-logs" / f"{stamp}.log")
    run = BenchRun(model)
    saved = SweepFile(store)
    if save:  # a read-only or full results folder is refused before the server starts
        store.check_writable(then="; nothing was measured or saved")

    def save_so_far(run: BenchRun) -> None:
        if save and run.cases:
            saved.save(speed_record(run, sweep.num_prompts, sweep.warmup), len(run.cases))

    progress = Progress(TextColumn("[bold]{task.description}"), TimeElapsedColumn(), console=err_console,
                        transient=True)  # fmt: skip
    try:
        with progress, create_engine(model, LoadOptions(seed=sweep.seed, server=server)) as engine:
            progress.add_task(f"{escape(model)}: {sweep.cases} case(s) x {sweep.num_prompts} requests")
            assert isinstance(engine, OpenAIEngine)
            serving_sweep(engine, sweep, on_case=save_so_far, run=run)
    except KeyboardInterrupt:
        render(run, markdown, saved, server)
        err_console.print(f"[yellow]interrupted[/yellow]: {escape(saved.kept(len(run.cases)))}")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except VlmHyperBenchError:
        render(run, markdown, saved, server)
        raise
    except Exception as exc:
        render(run, markdown, saved, server)
        raise MeasurementFailed(f"{type(exc).__name__}: {exc} ({saved.kept(len(run.cases))})") from exc
    render(run, markdown, saved, server)
    check_no_failed_requests(run, saved)


def check_no_failed_requests(run: BenchRun, saved: SweepFile) -> None:
    """A request that failed is a failure of the run (exit 1), not a case measured on the others alone; the
    saved result keeps every case with its `failed` count and errors."""
    servings = [case.info.get("serving") or {} for case in run.cases]
    failed = sum(int(s.get("failed") or 0) for s in servings)
    if failed:
        total = sum(int(s.get("num_prompts") or 0) for s in servings)
        errors = sorted({e for s in servings for e in s.get("errors") or []})
        raise MeasurementFailed(
            f"{failed} of {total} measured requests failed ({'; '.join(errors[:2])}); "
            f"{saved.kept(len(run.cases))}, each case with its failed count"
        )


def render(run: BenchRun, markdown: Path | None, saved: SweepFile, server: ServerOptions) -> None:
    from vlmhyperbench.report.serving import print_serving, serving_markdown
    from vlmhyperbench.writes import write_file

    infos = [case.info for case in run.cases]
    print_serving(infos, console)
    for case in run.failed:
        say(f"not measured: {case.name}: {case.error}", err=True)
    if saved.path is not None:  # said before the Markdown is written: a refused --markdown loses nothing
        say(f"results: {saved.path}")
    if server.launch_log is not None:
        say(f"server log: {server.launch_log}")
    if markdown is not None and infos:
        write_file(markdown, serving_markdown(infos))
        say(f"markdown: {markdown}")
