"""Benchmark tasks: question answering (`qa`, the default), document classification and page sorting
(upstream VLMHyperBench's tasks), and public benchmarks read from tables (DocVQA, InfoVQA, ChartQA, OCRBench,
TextVQA: `tasks.public`). Each runs through the run pipeline (`vlmhyperbench.runs`).

Every module of this package is imported here, so a new task is one new module (`tasks/<name>.py` with
`@register_task`): `run --task`, `data check` and `data synth` find it without other edits.
Nothing here imports torch: `data check` and `data synth` use the tasks in any environment.
"""

from __future__ import annotations

import importlib
import pkgutil

from vlmhyperbench.data.sources import Columns
from vlmhyperbench.runs import RunTask

# isort: off
# registered in this order: upstream's tasks first, then the public benchmarks (task_names lists them so)
from vlmhyperbench.tasks import classification, qa, sorting
from vlmhyperbench.tasks import public

# isort: on
from vlmhyperbench.tasks.base import (
    QA,
    TASKS,
    Metric,
    Task,
    TaskData,
    TaskItem,
    TaskScores,
    detect_task,
    get_task,
    register_task,
    task_names,
)
from vlmhyperbench.tasks.metrics import classification_scores, ordering_scores
from vlmhyperbench.tasks.parse import parse_class, parse_order
from vlmhyperbench.tasks.qa import QuestionAnswering

for _module in pkgutil.iter_modules(__path__):  # every task module registers itself on import
    importlib.import_module(f"{__name__}.{_module.name}")


def runnable(name: str, columns: Columns | None = None) -> RunTask:
    """The task a run of `name` runs: question answering, or a registered task reading its dataset with
    `columns` (a table source's names; None: the task's defaults). UnknownNameError lists them all."""
    return QuestionAnswering() if name == QA else get_task(name, columns)


__all__ = [
    "QA",
    "TASKS",
    "Metric",
    "QuestionAnswering",
    "Task",
    "TaskData",
    "TaskItem",
    "TaskScores",
    "classification",
    "classification_scores",
    "detect_task",
    "get_task",
    "ordering_scores",
    "parse_class",
    "parse_order",
    "public",
    "qa",
    "register_task",
    "runnable",
    "sorting",
    "task_names",
]
