"""The run pipeline, below every task: a run folder and its lock, `run.json`, fingerprints and `--resume`
checks, the answers file, the engine loop (batches, concurrency, progress), timing, summary.json and the
typed result. It imports no task and no report: a task (`runs.task.RunTask`) plugs in from above.
"""

from __future__ import annotations

from vlmhyperbench.runs.files import ANSWERS_FILE, RUN_FILE, SCORES_FILE, SPEED_FILE, SUMMARY_FILE
from vlmhyperbench.runs.pipeline import Progress, run_task
from vlmhyperbench.runs.record import RunError
from vlmhyperbench.runs.result import RunResult
from vlmhyperbench.runs.task import Item, Prepared, Row, RunTask, Scored

__all__ = [
    "ANSWERS_FILE",
    "RUN_FILE",
    "SCORES_FILE",
    "SPEED_FILE",
    "SUMMARY_FILE",
    "Item",
    "Prepared",
    "Progress",
    "Row",
    "RunError",
    "RunResult",
    "RunTask",
    "Scored",
    "run_task",
]
