"""A run of a task other than question answering, through the same machinery as question answering.

`eval.run.run_evaluation` hands a locked run folder here when `config.task` is not `qa`. What is shared is
taken from `eval.run` as is: the run folder and its lock, `answers.csv` (`id;model_answer`, flushed per
batch) and `--resume` (same settings, same dataset, only missing ids asked), the engine loop (batches halved
on out-of-memory, or a served engine's concurrent requests), `speed.jsonl`, `summary.json`, `report.md` and
`report.html`. What the task brings: its dataset layout, the prompt and image of each item, and its scores
(`tasks.base.Task`). The tables are `answers_by_id.csv`, `answers_by_doc_type.csv` and
`answers_general.csv`, as upstream's task scripts write per-document, per-class and overall results.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from vlmhyperbench.data import Dataset
from vlmhyperbench.data.prompts import PromptCollection
from vlmhyperbench.data.synth import read_manifest
from vlmhyperbench.engines import Query
from vlmhyperbench.eval import run as qa
from vlmhyperbench.eval.aggregate import write_aggregations
from vlmhyperbench.eval.answers import AnswersWriter, read_answers
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.tasks.base import Task, TaskData, TaskItem, TaskScores, get_task

if TYPE_CHECKING:
    from vlmhyperbench.eval.run import RunResult


def _prepare(task: Task, config: RunConfig, out: Path) -> TaskData:
    """The configured dataset, or the task's synthetic set made once in the run folder."""
    if config.dataset is not None:
        return task.load(Path(config.dataset))
    root = out / "dataset"
    if not (root / "synth.json").exists():  # made once; a half-made set from a failed start is made again
        from vlmhyperbench.tasks.synth import synthesize_task

        synth = config.synth
        synthesize_task(
            task.name, root, synth.n, synth.seed, synth.doc_class or None, synth.degrade, force=True
        )
    return task.load(root)


def _select(config: RunConfig, data: TaskData) -> list[TaskItem]:
    """The filters as they apply to a task: doc_class, split (upstream's subsets) and limit."""
    f = config.filters
    if f.question_type:
        raise qa.RunError(
            f"filters.question_type does not apply to the {config.task} task (it has no questions)"
        )
    if config.scoring != "default":  # metric_evaluator's profile scores question answers only
        raise qa.RunError(f"scoring {config.scoring!r} applies to the qa task only, not {config.task}")
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
        raise qa.RunError(
            f"no items left after the filters {f.model_dump()} "
            f"(dataset has doc_class {classes}, split {splits})"
        )
    return items


def _fingerprint(data: TaskData, items: Sequence[TaskItem]) -> dict[str, Any]:
    """Per item: a hash of its reference and of its page files; a resume refuses changed answered items."""

    def digest(item: TaskItem) -> str:
        h = hashlib.sha256(json.dumps([item.reference, list(item.images)]).encode())
        for rel in item.images:
            h.update((data.root / rel).read_bytes())
        return h.hexdigest()[:16]

    return {"task": {i.id: digest(i) for i in items}}


def check_same_task(config: RunConfig, out: Path) -> None:
    """A resume continues the task it started with (a run.json without `task` is question answering)."""
    run_file = out / qa.RUN_FILE
    if (out / qa.ANSWERS_FILE).exists() and run_file.exists():
        before = json.loads(run_file.read_text(encoding="utf-8"))["config"].get("task", "qa")
        if before != config.task:
            raise qa.RunError(f"cannot resume {out}: it is a {before} run, not {config.task}")


def _check_unchanged(out: Path, now: dict[str, Any], answered: set[str]) -> None:
    run_file = out / qa.RUN_FILE
    if not answered or not run_file.exists():
        return
    before = (json.loads(run_file.read_text(encoding="utf-8")).get("fingerprint") or {}).get("task", {})
    edited = [i for i in answered if i in before and now["task"].get(i, before[i]) != before[i]]
    if edited:
        raise qa.RunError(
            f"cannot resume {out}: the dataset changed since the run started "
            f"(item(s) {', '.join(edited[:5])}); "
            "their answers would be scored against data the model never saw: start a new run (another --out)"
        )


@dataclass
class TaskJob(qa.AnswerJob):
    """eval.run's answering loop, fed with a task's items: one image and one prompt per item."""

    task: Task | None = None
    data: TaskData | None = None
    template: str | None = None

    def queries(self, samples: list[Any]) -> list[Query]:
        assert self.task is not None and self.data is not None
        task, data = self.task, self.data
        return [Query(task.image(data, item), task.prompt(data, item, self.template)) for item in samples]


def run_task_locked(
    config: RunConfig,
    out: Path,
    resume: bool,
    console: Console,
    on_batch_done: Callable[[int], None] | None,
    show_progress: bool,
    report: bool,
) -> RunResult:
    """`eval.run._run_locked` for a task: the folder is already locked by the caller."""
    from vlmhyperbench.engines import ENGINES, engine_name

    task = get_task(config.task)
    answers_file = out / qa.ANSWERS_FILE
    if resume and answers_file.exists() and not (out / qa.RUN_FILE).exists():
        raise qa.RunError(
            f"cannot resume {out}: {answers_file.name} has no {qa.RUN_FILE} recording the model and dataset "
            "that produced it"
        )
    done = read_answers(answers_file, repair=True)
    qa.check_resume(config, out, bool(done), resume)
    if not done:
        (out / qa.SPEED_FILE).unlink(missing_ok=True)
    qa.repair_speed(out / qa.SPEED_FILE)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if ENGINES.get(engine_name(config.model)).needs_bbox:
        raise qa.RunError(f"{config.model} reads only an answer's region; the {task.name} task needs a VLM")

    data = _prepare(task, config, out)
    items = _select(config, data)
    template = Path(config.prompts).read_text(encoding="utf-8") if config.prompts is not None else None
    prints = _fingerprint(data, items)
    _check_unchanged(out, prints, set(done))
    qa.record_run(out, config, data.root, prints)
    qa.check_no_stray_answers(answers_file, done, {i.id for i in items})
    pending = [i for i in items if i.id not in done]
    console.print(
        f"{task.name}: {len(items)} items, {len(done)} already answered, "
        f"{len(pending)} to ask ({config.model})",
        highlight=False,
    )
    t0 = time.perf_counter()
    measurements: list[Any] = []
    model_info: dict[str, Any] = {"model": config.model}
    if pending:
        with AnswersWriter(answers_file) as writer:
            job = TaskJob(
                config,
                Dataset(data.root, []),
                pending,  # type: ignore[arg-type]  # items answer by `.id`, as samples do
                PromptCollection(source=str(config.prompts or f"<built-in {task.name} prompt>")),
                writer,
                console,
                on_batch_done,
                show_progress,
                task=task,
                data=data,
                template=template,
            )
            measurements, model_info = qa.generate_answers(job)
    elapsed = time.perf_counter() - t0

    scores = task.score(data, items, read_answers(answers_file))
    tables = {"by_id": scores.rows, "by_doc_type": scores.by_doc_type, "general": [scores.general]}
    files = {f"answers_{k}": v for k, v in write_aggregations(answers_file, tables).items()}
    files["answers"] = answers_file
    session = _Session(config, out, resume, started, task, data, items, len(pending), elapsed)
    summary = _summary(session, scores, measurements, model_info)
    from vlmhyperbench.report.run_report import write_run_report, write_summary

    if report:
        files.update(write_run_report(out, summary, scores.rows))
    else:
        files["summary"] = write_summary(out, summary)
    return qa.RunResult(out, answers_file, len(items), len(pending), tables, summary, files)


@dataclass
class _Session:
    config: RunConfig
    out: Path
    resumed: bool
    started: str
    task: Task
    data: TaskData
    items: list[TaskItem]
    asked: int
    elapsed: float


def _summary(
    s: _Session, scores: TaskScores, measurements: list[Any], model_info: dict[str, Any]
) -> dict[str, Any]:
    """summary.json in the shape of a question-answering run's (`results.RunSummary`), so `report`,
    `compare` and the quality gate read it unchanged; `task` says which task it was."""
    from vlmhyperbench.env.info import collect_environment

    previous = qa.previous_summary(s.out)
    skipped = 0
    if measurements:
        recorded, skipped = qa.load_speed(s.out / qa.SPEED_FILE)
        measurements = recorded or measurements
    pages = len({p for i in s.items for p in i.images})
    speed = qa.speed_summary(measurements, len(scores.rows), skipped, pages) if measurements else None
    if not measurements and previous is not None:
        speed = previous.speed.model_dump() if previous.speed else None
        model_info = previous.model or model_info
    return {
        "task": s.task.name,
        "run": {
            "out": str(s.out),
            "started": s.started,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "resumed": s.resumed,
            "questions": len(s.items),
            "answered": len(scores.rows),
            "asked_this_session": s.asked,
            "inference_wall_s": s.elapsed,
            "not_answerable": 0,
        },
        "config": s.config.model_dump(mode="json"),
        "model": model_info,
        "dataset": {
            "path": str(s.data.root),
            "questions": len(s.items),
            "images": pages,
            "doc_class": {
                c: sum(i.doc_class == c for i in s.items) for c in dict.fromkeys(i.doc_class for i in s.items)
            },
            "degradation": read_manifest(s.data.root).get("degradation"),
            "classes": s.data.classes,
        },
        "metrics": {
            name: {"higher_is_better": m.higher_is_better, "description": m.description}
            for name, m in s.task.metrics.items()
        },
        "general": scores.general,
        "by_doc_type": scores.by_doc_type,
        "by_doc_question": [],
        "speed": speed,
        "environment": collect_environment(),
        "prompts": {"source": str(s.config.prompts or f"<built-in {s.task.name} prompt>"), "system": None},
    }
