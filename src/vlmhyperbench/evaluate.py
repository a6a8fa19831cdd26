"""`run_evaluation`: a configured run end to end, its task through the run pipeline, then its report.

    result = run_evaluation(load_config("run.yaml"), resume=False)

The task (`config.task`: `qa` by default, or any registered task) comes from `vlmhyperbench.tasks`, the
run folder, answers, resume, engine loop and summary.json from `vlmhyperbench.runs`, and report.md and
report.html from `vlmhyperbench.report.run_report`, rendered from the typed `RunResult`.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.report.run_report import write_run_report
from vlmhyperbench.runs import Progress, RunResult, run_task
from vlmhyperbench.tasks import runnable


def run_evaluation(
    config: RunConfig,
    *,
    resume: bool = False,
    console: Console | None = None,
    on_batch_done: Callable[[int], None] | None = None,
    show_progress: bool = True,
    report: bool = True,
) -> RunResult:
    """Run (or resume) `config`'s task and write answers, tables, summary.json and (with `report`) the
    report; the output folder is locked while the run writes."""
    progress = Progress(console or Console(stderr=True), on_batch_done, show_progress)
    finish = write_run_report if report else None
    return run_task(
        runnable(config.task, config.columns), config, resume=resume, progress=progress, finish=finish
    )
