"""`Task`: what a benchmark task other than question answering brings to a run.

Question answering (`eval.run`, annotation.csv, prompts, CER/WER/...) is the default task and stays as it
is. A task here brings the rest: how its dataset is laid out and checked (`check`, `load`), a synthetic set
(`synthesize`), the prompt and the image one item shows the model (`prompt`, `image`), and how answers are
parsed and scored (`score`). `tasks.run` runs any of them through the same engine, answers file, resume
and report machinery as question answering. Modelled on upstream VLMHyperBench's task scripts
(VLMHyperBenchTeam/vlmhyperbench_playground `check_classification.py` and its page-sorting script), which
read a folder layout, prompt the model, parse its reply and score with `bench_utils.metrics`.

Adding a task: a module with `@register_task class T(Task)`; `run --task T`, `data check --task T` and
`data synth --task T` find it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from vlmhyperbench.data.validate import DatasetError, Problem
from vlmhyperbench.registry import Registry

if TYPE_CHECKING:  # PIL is imported where an image is read
    import PIL.Image

    from vlmhyperbench.data.sources import Columns, Table

QA = "qa"  # question answering: the default task, run by `vlmhyperbench.eval.run` itself


@dataclass(frozen=True)
class TaskItem:
    """One thing the model is asked about: a page to classify, or the pages of one document to order.

    `id` is the answers-file id (stable: derived from file names, as upstream's folders have no rows),
    `images` the page files relative to the dataset folder, `reference` the expected answer as text (a
    class key, or the page order `3,1,4,2`), `split` upstream's subset (`clean`, `blur`, ...).
    """

    id: str
    doc_class: str
    split: str
    images: tuple[str, ...]
    reference: str
    # a question of a table source (`data.sources`): its text, every acceptable answer, its row in
    # `TaskData.table` (the image stays there: `images` is empty), its group columns' values, and a hash of
    # its question, answers and stored image for a resume to compare
    question: str = ""
    references: tuple[str, ...] = ()
    row: int | None = None
    groups: tuple[tuple[str, str], ...] = ()
    digest: str = ""


@dataclass
class TaskData:
    """A task's dataset: its folder, its items, and the class keys with their display names."""

    root: Path
    items: list[TaskItem]
    classes: dict[str, str] = field(default_factory=dict)
    table: Table | None = None  # a table source's rows (parquet, save_to_disk, hf:), images decoded from it
    source: dict[str, Any] | None = None  # `data.sources.source_fingerprint` of a table source


@dataclass(frozen=True)
class Metric:
    """A task metric's direction and meaning (as `eval.metrics.MetricSpec`, for summary.json)."""

    higher_is_better: bool
    description: str


Row = dict[str, Any]


@dataclass
class TaskScores:
    """Scored answers: one row per item (`by_id`), one per doc class, and the whole run (`general`)."""

    rows: list[Row]
    by_doc_type: list[Row]
    general: Row


class Task(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    metrics: ClassVar[Mapping[str, Metric]]

    def __init__(self, columns: Columns | None = None) -> None:
        """`columns`: a run config's column mapping, for tasks that read a table source (others ignore it)."""
        self.columns_given = columns

    @abstractmethod
    def check(self, root: Path) -> list[Problem]:
        """Every problem in the dataset folder, each naming its file and field (empty: usable)."""

    def load(self, root: Path) -> TaskData:
        """The dataset, or `DatasetError` with every problem `check` finds."""
        problems = self.check(root)
        if problems:
            raise DatasetError(problems)
        return self.read(root)

    @abstractmethod
    def read(self, root: Path) -> TaskData:
        """The items of a folder that `check` accepts."""

    @abstractmethod
    def synthesize(
        self,
        out: Path,
        n: int,
        seed: int,
        doc_classes: Sequence[str] | None = None,
        degradation: str = "none",
        labels: str = "ours",
    ) -> TaskData:
        """Write a small synthetic set in the task's layout into `out` (checked empty by the caller)."""

    @abstractmethod
    def prompt(self, data: TaskData, item: TaskItem, template: str | None) -> str:
        """The text sent with the item's image; `template` is a user's prompt file (None: built-in)."""

    @abstractmethod
    def image(self, data: TaskData, item: TaskItem) -> PIL.Image.Image:
        """The one image the engine sees for the item (engines take one image per query)."""

    def fingerprint(self, data: TaskData, items: Sequence[TaskItem]) -> dict[str, Any]:
        """What a resume compares: `task` holds a hash per item (its reference and page files, or the
        `digest` a table item carries), `source` what identifies a table source (`data.sources`)."""
        import hashlib
        import json

        def digest(item: TaskItem) -> str:
            if item.digest:
                return item.digest
            h = hashlib.sha256(json.dumps([item.reference, list(item.images)]).encode())
            for rel in item.images:
                h.update((data.root / rel).read_bytes())
            return h.hexdigest()[:16]

        found: dict[str, Any] = {"task": {i.id: digest(i) for i in items}}
        if data.source is not None:
            found["source"] = data.source
        return found

    @abstractmethod
    def score(self, data: TaskData, items: Sequence[TaskItem], answers: Mapping[str, str]) -> TaskScores:
        """Parse each answer and score the items that have one; unparseable answers are counted."""


TASKS: Registry[type[Task]] = Registry("task")


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator: make the task selectable by its `name`."""
    return TASKS.add(cls.name, cls)


def task_names() -> list[str]:
    """Every task a run can select, question answering first."""
    return [QA, *TASKS.names()]


def get_task(name: str, columns: Columns | None = None) -> Task:
    """A fresh instance of the registered task (UnknownNameError lists the tasks, `qa` included);
    `columns` is the run config's column mapping (`RunConfig.columns`)."""
    if name not in TASKS:
        from vlmhyperbench.registry import UnknownNameError

        raise UnknownNameError(f"Unknown task {name!r}. Available: {', '.join(task_names())}")
    return TASKS.get(name)(columns)


def detect_task(root: Path) -> str:
    """Which task's layout a dataset folder has: annotation.csv is question answering, otherwise the first
    task whose `looks_like` accepts the folder (question answering when none does: its check then names
    the missing annotation.csv)."""
    if (root / "annotation.csv").exists():
        return QA
    for name in TASKS.names():
        looks_like: Callable[[Path], bool] | None = getattr(TASKS.get(name), "looks_like", None)
        if looks_like is not None and looks_like(root):
            return name
    return QA
