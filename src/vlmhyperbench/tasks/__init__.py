"""Benchmark tasks beside question answering: document classification and page sorting (upstream
VLMHyperBench's other tasks), and public benchmarks read from tables (DocVQA, InfoVQA, ChartQA, OCRBench,
TextVQA: `tasks.public`). Question answering (`qa`) is the default and is run by `eval.run` itself.

Nothing here imports torch: `data check` and `data synth` use the tasks in any environment.
"""

from __future__ import annotations

# isort: off
# registered in this order: upstream's tasks first, then the public benchmarks (task_names lists them so)
from vlmhyperbench.tasks import classification, sorting
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

__all__ = [
    "QA",
    "TASKS",
    "Metric",
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
    "register_task",
    "sorting",
    "task_names",
]
