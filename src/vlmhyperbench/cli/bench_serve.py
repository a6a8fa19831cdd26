"""`vlmhyperbench bench --model openai:NAME`: the serving benchmark, reached through `bench`'s options.

One command for both kinds of model: the engine the spec selects decides what is swept (batch sizes
in-process, concurrency x request rate against a server), and both save to the same result store, so
`compare` and the tables read an in-process run and a served one alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vlmhyperbench.cli.console import console, err_console, say
from vlmhyperbench.errors import CheckFailed, ExitCode, MeasurementFailed, UsageError, VlmHyperBenchError
from vlmhyperbench.serve.options import ServerOptions
from vlmhyperbench.serve.shapes import LoadShape

if TYPE_CHECKING:
    from vlmhyperbench.perf import BenchRun
    from vlmhyperbench.results import SweepFile
    from vlmhyperbench.serve.saturation import SaturationPlan
    from vlmhyperbench.serve.sweep import ServingSweep

SWEEPS = ("grid", "saturation")


@dataclass(frozen=True)
class ServedOptions:
    """`bench`'s options for a served model as given on the command line, turned into settings here."""

    concurrency: str = "1"
    request_rate: str = "inf"
    num_prompts: int = 32
    slo: str | None = None
    burstiness: float = 1.0
    ramp_up: str | None = None
    ramp_up_start: float | None = None
    ramp_up_end: float | None = None
    strict_rate: bool = False
    dataset: str | None = None
    sweep: str = "grid"
    probes: int = 6
    slo_share: float = 0.9
    new_tokens: int = 128
    fixed_length: bool = True
    warmup: int = 1
    seed: int = 0

    def shapes(self) -> list[LoadShape]:
        from vlmhyperbench.serve.schedule import parse_rates

        if self.ramp_up is not None or self.ramp_up_start is not None or self.ramp_up_end is not None:
            if self.request_rate.strip().lower() != "inf":
                raise UsageError("--ramp-up sets the rate itself: leave out --request-rate")
            return [LoadShape(math.inf, self.burstiness, self.ramp_up, self.ramp_up_start, self.ramp_up_end)]
        return [LoadShape(rate, self.burstiness) for rate in parse_rates(self.request_rate)]

    def settings(self) -> ServingSweep:
        from vlmhyperbench.serve.schedule import parse_concurrency, parse_slo
        from vlmhyperbench.serve.sweep import ServingSweep

        if self.sweep not in SWEEPS:
            raise UsageError(f"--sweep {self.sweep!r}: use one of {', '.join(SWEEPS)}")
        return ServingSweep(
            parse_concurrency(self.concurrency), self.shapes(), self.num_prompts, self.new_tokens,
            self.fixed_length, self.warmup, self.seed, parse_slo(self.slo), self.dataset, self.strict_rate,
        )  # fmt: skip

    def plan(self, sweep: ServingSweep) -> SaturationPlan | None:
        """`--sweep saturation`'s plan: the probes' cap is the largest --concurrency, or every request."""
        from vlmhyperbench.serve.saturation import SaturationPlan
        from vlmhyperbench.serve.schedule import SloTargets

        if self.sweep != "saturation":
            return None
        if len(sweep.shapes) > 1 or sweep.shapes[0].ramp is not None:
            raise UsageError(
                "--sweep saturation chooses the rates itself: leave out --request-rate/--ramp-up"
            )
        cap = max(sweep.concurrencies)
        return SaturationPlan(sweep.slo or SloTargets(), cap if cap > 1 else sweep.num_prompts, self.probes,
                              self.slo_share, self.burstiness)  # fmt: skip


def bench_served(
    model: str,
    options: ServedOptions,
    server: ServerOptions,
    results: Path | None,
    save: bool,
    markdown: Path | None,
) -> Path | None:
    """Load the served engine (starting `--launch`), run the sweep, save after each case, render; returns
    the saved record (None: not saved)."""
    from dataclasses import replace

    from rich.markup import escape
    from rich.progress import Progress, TextColumn, TimeElapsedColumn

    from vlmhyperbench.engines import LoadOptions, create_engine
    from vlmhyperbench.engines.openai import OpenAIEngine
    from vlmhyperbench.env.cell import current_cell
    from vlmhyperbench.perf import BenchRun, speed_record
    from vlmhyperbench.results import ResultStore, SweepFile
    from vlmhyperbench.serve.sweep import behind_schedule, saturation_run, serving_sweep

    sweep = options.settings()
    plan = options.plan(sweep)
    requests = sweep.requests()  # a bad --dataset is refused before the server starts
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
            cases = f"up to {2 + plan.probes}" if plan else str(sweep.cases)
            progress.add_task(f"{escape(model)}: {cases} case(s) x {sweep.num_prompts} requests")
            assert isinstance(engine, OpenAIEngine)
            if plan is not None:
                saturation_run(engine, sweep, plan, save_so_far, run, requests)
            else:
                serving_sweep(engine, sweep, save_so_far, run, requests)
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
    late = behind_schedule(run) if sweep.strict_rate else []
    if late:
        raise CheckFailed("--strict-rate: sends fell behind the planned rate: " + "; ".join(late))
    return saved.path


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
    """The table (and a saturation sweep's verdict), failed cases, where things went; with --markdown,
    the Markdown and, for two or more cases, the sweep's figure beside it (`<name>-serving.png`)."""
    from vlmhyperbench.report.serving import print_serving, serving_markdown
    from vlmhyperbench.report.serving_plots import plottable, write_sweep_png
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
        plot = None
        if plottable([(run.spec, infos)]):
            plot = write_sweep_png(
                [(run.spec, infos)], run.spec, markdown.with_name(f"{markdown.stem}-serving.png")
            )
            say(f"plot: {plot}")
        write_file(markdown, serving_markdown(infos, plot.name if plot else None))
        say(f"markdown: {markdown}")
