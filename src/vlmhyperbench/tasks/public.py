"""Public document benchmarks as tasks: DocVQA, InfoVQA, ChartQA, OCRBench and TextVQA.

Each reads a table source (`vlmhyperbench.data.sources`: parquet, a `save_to_disk` folder, `hf:NAME`) in
the layout its Hugging Face release has, asks each question with the prompt the benchmark's reference
evaluation sends (lmms-eval's task configs: the question, then "Answer the question using a single word or
phrase."; OCRBench the bare question; TextVQA's question capitalised), and scores the answers with the
benchmark's own metric (`tasks.public_metrics`). Default columns follow the releases lmms-eval evaluates:

    docvqa    lmms-lab/DocVQA (config DocVQA)            questionId, question, answers: list, image
    infovqa   lmms-lab/DocVQA (config InfographicVQA)    questionId, question, answers: list, image
    chartqa   lmms-lab/ChartQA                           question, answer: str, type, image
    ocrbench  echo840/OCRBench                           question, answer: list, question_type, dataset, image
    textvqa   lmms-lab/textvqa                           question_id, question, answers: list of 10, image

A run config's `columns:` replaces any of these names. Without a dataset, each task makes a small set in
its own layout from the synthetic Russian documents (so `run --task docvqa` alone shows the pipeline).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import tempfile
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from vlmhyperbench.data.sources import (
    Columns,
    SourceError,
    Table,
    is_table_source,
    open_table,
    read_rows,
    source_fingerprint,
)
from vlmhyperbench.data.validate import DatasetError, Problem
from vlmhyperbench.tasks import public_metrics
from vlmhyperbench.tasks.base import Metric, Row, Task, TaskData, TaskItem, TaskScores, register_task

if TYPE_CHECKING:
    import PIL.Image

SHORT_ANSWER = "\nAnswer the question using a single word or phrase."
SYNTH_FILE = "data.parquet"  # a task's synthetic set, in its layout


class PublicTask(Task):
    """A benchmark read from a table: one question per row, scored by one official metric."""

    default_columns: ClassVar[Columns]
    metric: ClassVar[str]
    answers_as_list: ClassVar[bool] = True  # the release stores a list of answers (else one string)
    prompt_suffix: ClassVar[str] = SHORT_ANSWER

    @property
    def columns(self) -> Columns:
        return self.default_columns.merged(self.columns_given)

    def _open(self, root: Path) -> Table | list[Problem]:
        if not is_table_source(root):
            return [
                Problem(
                    str(root),
                    f"the {self.name} task reads a table: a parquet file or folder, a datasets.save_to_disk "
                    "folder, or hf:NAME[:CONFIG][@SPLIT]",
                )
            ]
        try:
            return open_table(root)
        except SourceError as exc:
            return [Problem(str(root), str(exc).removeprefix(f"{root}: "))]

    def check(self, root: Path) -> list[Problem]:
        table = self._open(root)
        return table if isinstance(table, list) else read_rows(table, self.columns)[1]

    def load(self, root: Path) -> TaskData:
        """Opened and checked once (every image decoded once): the items, or DatasetError."""
        table = self._open(root)
        if isinstance(table, list):
            raise DatasetError(table)
        return self._data(root, table, check_images=True)

    def read(self, root: Path) -> TaskData:
        table = self._open(root)
        if isinstance(table, list):
            raise DatasetError(table)
        return self._data(root, table, check_images=False)

    def _data(self, root: Path, table: Table, check_images: bool) -> TaskData:
        columns = self.columns
        rows, problems = read_rows(table, columns, check_images=check_images)
        if problems:
            raise DatasetError(problems)
        digests = list(table.image_digests(columns.image))
        items = []
        for r in rows:
            record = json.dumps([r.question, list(r.references), digests[r.row]], ensure_ascii=False)
            items.append(
                TaskItem(
                    id=r.id,
                    doc_class=r.groups[0][1] if r.groups else self.name,
                    split=table.spec.split or "",
                    images=(),
                    reference=json.dumps(list(r.references), ensure_ascii=False),
                    question=r.question,
                    references=r.references,
                    row=r.row,
                    groups=r.groups,
                    digest=hashlib.sha256(record.encode("utf-8")).hexdigest()[:16],
                )
            )
        return TaskData(root, items, table=table, source=source_fingerprint(table.spec, table))

    def prompt(self, data: TaskData, item: TaskItem, template: str | None) -> str:
        """The benchmark's prompt; a user's template may use {question}."""
        if template is not None:
            return template.replace("{question}", item.question)
        return f"{item.question}{self.prompt_suffix}"

    def image(self, data: TaskData, item: TaskItem) -> PIL.Image.Image:
        assert data.table is not None and item.row is not None, "a public task's items come from a table"
        return data.table.image(item.row, self.columns.image)

    @abstractmethod
    def score_one(self, prediction: str, item: TaskItem) -> float:
        """The benchmark's score of one answer, in [0, 1]."""

    def score(self, data: TaskData, items: Sequence[TaskItem], answers: Mapping[str, str]) -> TaskScores:
        answered = [i for i in items if i.id in answers]
        rows: list[Row] = [
            {
                "id": item.id,
                "doc_class": item.doc_class,
                "split": item.split,
                **dict(item.groups),
                "question": item.question,
                "answer": item.reference,
                "model_answer": answers[item.id],
                self.metric: self.score_one(answers[item.id], item),
            }
            for item in answered
        ]
        groups = list(dict.fromkeys(r["doc_class"] for r in rows))
        by_group = [
            {"doc_class": g, **_mean(self.metric, [r for r in rows if r["doc_class"] == g])} for g in groups
        ]
        return TaskScores(rows, by_group, _mean(self.metric, rows))

    def synthesize(
        self,
        out: Path,
        n: int,
        seed: int,
        doc_classes: Sequence[str] | None = None,
        degradation: str = "none",
        labels: str = "ours",
    ) -> TaskData:
        """The synthetic Russian documents' questions as `out/data.parquet`, in this benchmark's layout."""
        from vlmhyperbench.data.synth import synthesize

        with tempfile.TemporaryDirectory() as tmp:
            qa = synthesize(Path(tmp), n, seed, doc_classes, degradation, force=True, labels=labels)
            images = {p: (Path(tmp) / p).read_bytes() for p in qa.values("image_path")}
            self._write_layout(out / SYNTH_FILE, qa.samples, images)
        return self.load(out)

    def _write_layout(self, path: Path, samples: Sequence[Any], images: Mapping[str, bytes]) -> None:
        import datasets

        c = self.default_columns
        text, answers = (
            datasets.Value("string"),
            [[s.answer] if self.answers_as_list else s.answer for s in samples],
        )
        columns: dict[str, tuple[Any, list[Any]]] = {  # column -> (feature, values)
            c.question: (text, [s.question for s in samples]),
            c.answers: (datasets.Sequence(text) if self.answers_as_list else text, answers),
            c.image: (datasets.Image(), [{"bytes": images[s.image_path], "path": None} for s in samples]),
            **{group: (text, [s.doc_class for s in samples]) for group in c.groups},
        }
        if c.id:
            columns[c.id] = (datasets.Value("int64"), [int(s.id) for s in samples])
        features = datasets.Features({k: feature for k, (feature, _) in columns.items()})
        values = {k: v for k, (_, v) in columns.items()}
        datasets.disable_progress_bars()  # a run prints its own progress
        datasets.Dataset.from_dict(values, features=features).to_parquet(str(path))


def table_task_names() -> list[str]:
    """The registered tasks that read a table source."""
    from vlmhyperbench.tasks.base import TASKS

    return [n for n in TASKS.names() if issubclass(TASKS.get(n), PublicTask)]


def _mean(metric: str, rows: Sequence[Row]) -> Row:
    return {"count": len(rows), metric: statistics.fmean(r[metric] for r in rows) if rows else 0.0}


ANLS = Metric(True, "ANLS, threshold 0.5, best over the reference answers (the RRC DocVQA script)")


@register_task
class DocVQA(PublicTask):
    name: ClassVar[str] = "docvqa"
    description: ClassVar[str] = "DocVQA: questions on scanned documents, scored by ANLS"
    metrics: ClassVar[Mapping[str, Metric]] = {"anls": ANLS}
    metric: ClassVar[str] = "anls"
    default_columns: ClassVar[Columns] = Columns(id="questionId")

    def score_one(self, prediction: str, item: TaskItem) -> float:
        return public_metrics.anls(prediction, item.references)


@register_task
class InfoVQA(DocVQA):
    name: ClassVar[str] = "infovqa"
    description: ClassVar[str] = "InfographicVQA: questions on infographics, scored by ANLS"


@register_task
class ChartQA(PublicTask):
    name: ClassVar[str] = "chartqa"
    description: ClassVar[str] = (
        "ChartQA: questions on charts, scored by relaxed accuracy (numbers within 5 %)"
    )
    metrics: ClassVar[Mapping[str, Metric]] = {
        "relaxed_accuracy": Metric(True, "right within 5 % for numbers, else an exact case-insensitive match")
    }
    metric: ClassVar[str] = "relaxed_accuracy"
    default_columns: ClassVar[Columns] = Columns(answers="answer", groups=("type",))
    answers_as_list: ClassVar[bool] = False

    def score_one(self, prediction: str, item: TaskItem) -> float:
        return public_metrics.relaxed_accuracy(prediction, item.references)


@register_task
class OCRBench(PublicTask):
    name: ClassVar[str] = "ocrbench"
    description: ClassVar[str] = "OCRBench: text recognition and text VQA, a reference found in the answer"
    metrics: ClassVar[Mapping[str, Metric]] = {
        "accuracy": Metric(True, "share of answers containing a reference (case-insensitive; formulas exact)")
    }
    metric: ClassVar[str] = "accuracy"
    default_columns: ClassVar[Columns] = Columns(answers="answer", groups=("question_type", "dataset"))
    prompt_suffix: ClassVar[str] = ""

    def score_one(self, prediction: str, item: TaskItem) -> float:
        return public_metrics.ocrbench_match(
            prediction, item.references, dict(item.groups).get("dataset", "")
        )


@register_task
class TextVQA(PublicTask):
    name: ClassVar[str] = "textvqa"
    description: ClassVar[str] = "TextVQA: questions on text in photos, scored by VQA accuracy"
    metrics: ClassVar[Mapping[str, Metric]] = {
        "vqa_accuracy": Metric(True, "min(#annotators with this answer / 3, 1), averaged over 10-choose-9")
    }
    metric: ClassVar[str] = "vqa_accuracy"
    default_columns: ClassVar[Columns] = Columns(id="question_id")

    def prompt(self, data: TaskData, item: TaskItem, template: str | None) -> str:
        """lmms-eval's TextVQA prompt capitalises the question (`str.capitalize`) before the suffix."""
        if template is not None:
            return super().prompt(data, item, template)
        return f"{item.question.capitalize()}{self.prompt_suffix}"

    def score_one(self, prediction: str, item: TaskItem) -> float:
        return public_metrics.vqa_accuracy(prediction, item.references)
