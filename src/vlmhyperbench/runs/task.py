"""`RunTask`: what the run pipeline needs from a task, and what a task hands back to it.

The pipeline (`runs.pipeline`) owns the run folder, `run.json`, `--resume`, the answers file, the engine
loop, timing and summary.json; a task owns its dataset, its queries and its scores. Question answering
(`tasks.qa`) and every folder task (`tasks.base.Task`: classification, sorting, ...) implement this.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from vlmhyperbench.engines import Query
from vlmhyperbench.eval.config import RunConfig

Row = dict[str, Any]


class Item(Protocol):
    """One thing the model is asked about (a question, a page, a document): its answers-file id and class."""

    @property
    def id(self) -> str: ...

    @property
    def doc_class(self) -> str: ...


@dataclass
class Prepared:
    """A task's selection for one run: the dataset folder, the items to answer and what summary.json says
    of them."""

    root: Path  # the dataset folder, recorded in run.json
    items: Sequence[Any]  # each an `Item` (its own type: a Sample, a TaskItem, ...)
    fingerprint: dict[str, Any]  # recorded in run.json; a resume compares it (`RunTask.dataset_changes`)
    pages: int  # distinct page files the items show
    counted: str  # the start line's count: "14 questions", "classification: 6 items"
    prompts: dict[str, Any]  # summary.json's `prompts`: source and system prompt
    data: Any = None  # the task's own view of the dataset, handed back to `queries` and `score_run`
    not_answerable: int = 0  # selected items the engine cannot answer, left out and counted
    dataset_info: dict[str, Any] = field(default_factory=dict)  # more of summary.json's `dataset`


@dataclass
class Scored:
    """A task's scores of a run: per-item rows, its tables (written beside the answers) and summary parts."""

    rows: list[Row]  # one per answered item, per-item metric columns included
    tables: dict[str, list[Row]]
    files: dict[str, Path]  # the tables written, `answers_<table>` -> path
    metrics: dict[str, dict[str, Any]]  # name -> {"higher_is_better", "description"}: the quality gate's
    general: Row
    by_doc_type: list[Row]
    by_doc_question: list[Row]
    extra: dict[str, Any] = field(default_factory=dict)  # more top-level summary.json keys (task, scoring)


class RunTask(ABC):
    """A task as the pipeline runs it: prepare a selection, say what changed, build queries, score."""

    name: ClassVar[str]
    group_keys: ClassVar[tuple[str, ...]] = ("doc_class", "split")  # samples.jsonl's `groups`

    @abstractmethod
    def prepare(self, config: RunConfig, out: Path) -> Prepared:
        """The dataset (made in `out` when the config has none) and the selected items; every check that
        can fail before a model loads fails here."""

    @abstractmethod
    def dataset_changes(self, before: dict[str, Any], now: dict[str, Any], answered: set[str]) -> str:
        """What changed among the answered items since `before` was recorded ("" when nothing did)."""

    @abstractmethod
    def queries(self, prepared: Prepared, items: list[Any]) -> list[Query]:
        """One `Query` (an image and a prompt) per item, in order."""

    @abstractmethod
    def score_run(
        self, prepared: Prepared, config: RunConfig, answers: Mapping[str, str], answers_file: Path
    ) -> Scored:
        """Score the answers present and write the task's tables beside `answers_file`."""

    @abstractmethod
    def metric_names(self, config: RunConfig) -> list[str]:
        """The metrics the run reports (samples.jsonl's `scores` keys)."""

    @abstractmethod
    def score_items(
        self, prepared: Prepared, config: RunConfig, items: Sequence[Any], answers: Mapping[str, str]
    ) -> list[Row]:
        """One scored row per item of `items` that has an answer (`answer` is the reference), writing
        nothing: the lines of samples.jsonl, scored as the answers arrive."""

    def orphan_answers_note(self, answers_file: Path) -> str:
        """What to do instead with an answers file that has no run.json (appended to the refusal)."""
        return ""
