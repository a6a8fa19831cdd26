"""`Task`: what a benchmark task over a dataset folder brings to a run (classification, sorting, ...).

Question answering (`tasks.qa`: annotation.csv, prompts, CER/WER/...) is the default task. A task here
brings how its dataset is laid out and checked (`check`, `load`), a synthetic set (`synthesize`), the prompt
and the image one item shows the model (`prompt`, `image`), and how answers are parsed and scored
(`score`). `Task` turns those into the run pipeline's interface (`runs.task.RunTask`: `prepare`,
`dataset_changes`, `queries`, `score_run`), so every task runs through the same run folder, answers file,
resume, engine loop, summary.json and report as question answering.
Modelled on upstream VLMHyperBench's task scripts
(VLMHyperBenchTeam/vlmhyperbench_playground `check_classification.py` and its page-sorting script), which
read a folder layout, prompt the model, parse its reply and score with `bench_utils.metrics`.

Adding a task: a module with `@register_task class T(Task)`; `run --task T`, `data check --task T` and
`data synth --task T` find it.
"""

from __future__ import annotations

import hashlib
import json
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from vlmhyperbench.data.synth import MANIFEST_FILE, SynthOutputError, check_out_folder
from vlmhyperbench.data.synth.degrade import check_level
from vlmhyperbench.data.validate import DatasetError, Problem
from vlmhyperbench.engines import Query
from vlmhyperbench.errors import UsageError
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.registry import Registry
from vlmhyperbench.runs import Prepared, RunError, RunTask, Scored

if TYPE_CHECKING:  # PIL is imported where an image is read
    import PIL.Image

    from vlmhyperbench.data.sources import Columns, Table

QA = "qa"  # question answering: the default task (`tasks.qa`)


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


class Task(RunTask):
    """A task over a dataset folder; subclasses implement the abstract hooks below, and `@register_task`."""

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

    def make_synthetic(
        self,
        out: str | Path,
        n: int = 20,
        seed: int = 0,
        doc_classes: Sequence[str] | None = None,
        degradation: str = "none",
        force: bool = False,
        labels: str = "ours",
    ) -> TaskData:
        """Write `n` items of the task's synthetic set into `out`, a new or empty folder (`force`: any), and
        its `synth.json`, as `data synth` makes the question-answering set."""
        check_level(degradation)
        if n < 1:
            raise UsageError(f"n must be at least 1, got {n}")
        root = Path(out)
        check_out_folder(root, force)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SynthOutputError(f"cannot create {root}: {exc.strerror}") from None
        data = self.synthesize(root, n, seed, doc_classes, degradation, labels)
        manifest = {
            "generator": f"vlmhyperbench.tasks.{self.name}",
            "task": self.name,
            "n": n,
            "seed": seed,
            "doc_classes": list(doc_classes or []),
            "degradation": degradation,
            "labels": labels,
        }
        (root / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return data

    # --- the run pipeline's interface (`runs.task.RunTask`), the same for every folder task

    def prepare(self, config: RunConfig, out: Path) -> Prepared:
        from vlmhyperbench.engines import ENGINES, engine_name

        if ENGINES.get(engine_name(config.model)).needs_bbox:
            raise RunError(f"{config.model} reads only an answer's region; the {self.name} task needs a VLM")
        data = _prepare(self, config, out)
        items = _select(config, data)
        template = Path(config.prompts).read_text(encoding="utf-8") if config.prompts is not None else None
        return Prepared(
            root=data.root,
            items=items,
            fingerprint=self.fingerprint(data, items),
            # a folder task's page files, or a table source's rows (each row holds its one image)
            pages=len({p for i in items for p in i.images} | {i.row for i in items if i.row is not None}),
            counted=f"{self.name}: {len(items)} items",
            prompts={"source": str(config.prompts or f"<built-in {self.name} prompt>"), "system": None},
            data=(data, template),
            dataset_info={"classes": data.classes},
        )

    def dataset_changes(self, before: dict[str, Any], now: dict[str, Any], answered: set[str]) -> str:
        recorded = before.get("task", {})
        edited = [i for i in answered if i in recorded and now["task"].get(i, recorded[i]) != recorded[i]]
        return f"item(s) {', '.join(edited[:5])}" if edited else ""

    def queries(self, prepared: Prepared, items: list[Any]) -> list[Query]:
        data, template = prepared.data
        return [Query(self.image(data, item), self.prompt(data, item, template)) for item in items]

    def metric_names(self, config: RunConfig) -> list[str]:
        return list(self.metrics)

    def score_items(
        self, prepared: Prepared, config: RunConfig, items: Sequence[Any], answers: Mapping[str, str]
    ) -> list[Row]:
        data, _ = prepared.data
        return self.score(data, list(items), answers).rows

    def score_run(
        self, prepared: Prepared, config: RunConfig, answers: Mapping[str, str], answers_file: Path
    ) -> Scored:
        """The task's scores as upstream's task scripts write them: `answers_by_id.csv`,
        `answers_by_doc_type.csv` and `answers_general.csv` (per document, per class, overall)."""
        from vlmhyperbench.eval.aggregate import write_aggregations

        data, _ = prepared.data
        scores = self.score(data, list(prepared.items), answers)
        tables = {"by_id": scores.rows, "by_doc_type": scores.by_doc_type, "general": [scores.general]}
        return Scored(
            rows=scores.rows,
            tables=tables,
            files={f"answers_{k}": v for k, v in write_aggregations(answers_file, tables).items()},
            metrics={
                name: {"higher_is_better": m.higher_is_better, "description": m.description}
                for name, m in self.metrics.items()
            },
            general=scores.general,
            by_doc_type=scores.by_doc_type,
            by_doc_question=[],
            extra={"task": self.name},
        )


def _prepare(task: Task, config: RunConfig, out: Path) -> TaskData:
    """The configured dataset, or the task's synthetic set made once in the run folder."""
    if config.dataset is not None:
        return task.load(Path(config.dataset))
    root = out / "dataset"
    if not (root / "synth.json").exists():  # made once; a half-made set from a failed start is made again
        synth = config.synth
        task.make_synthetic(root, synth.n, synth.seed, synth.doc_class or None, synth.degrade, force=True)
    return task.load(root)


def _select(config: RunConfig, data: TaskData) -> list[TaskItem]:
    """The filters as they apply to a task: doc_class, split (upstream's subsets) and limit."""
    f = config.filters
    if f.question_type:
        raise RunError(
            f"filters.question_type does not apply to the {config.task} task (it has no questions)"
        )
    if config.scoring != "default":  # metric_evaluator's profile scores question answers only
        raise RunError(f"scoring {config.scoring!r} applies to the qa task only, not {config.task}")
    items = [
        i
        for i in data.items
        if (not f.doc_class or i.doc_class in f.doc_class) and (not f.split or i.split in f.split)
    ]
    if config.limit is not None:
        items = items[: config.limit]
    if not items:
        classes = list(dict.fromkeys(i.doc_class for i in data.items))
        splits = list(dict.fromkeys(i.split for i in data.items))
        raise RunError(
            f"no items left after the filters {f.model_dump()} "
            f"(dataset has doc_class {classes}, split {splits})"
        )
    return items


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
