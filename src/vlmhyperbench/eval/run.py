"""A quality run end to end: dataset -> batched inference -> answers -> metrics -> aggregations -> report.

    result = run_evaluation(load_config("run.yaml"), resume=False)

The output folder holds `run.json` (the resolved config), `answers.csv` (`id;model_answer`, flushed per
batch), `speed.jsonl` (each measured batch; a served run: `requests.jsonl` and `server.log`),
`answers_{aggregator}.csv` (with `scoring: upstream`, metric_evaluator 0.1.1's tables under the same
names), `summary.json`, `report.md` and `report.html`. `resume=True` keeps the answers
already in the folder and asks only the missing questions, in the same batches an uninterrupted run would
use; the speed figures then cover the batches of every session.
A CUDA out-of-memory error halves the batch size and retries the same questions.
Answers come from the engine the model spec selects (`vlmhyperbench.engines`); only a torch engine's
`load()` imports torch.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.data import ANNOTATION_FILE, Dataset, Sample, load_dataset
from vlmhyperbench.data.fingerprint import changes, fingerprint
from vlmhyperbench.data.prompts import PromptCollection, load_prompts
from vlmhyperbench.data.synth import read_manifest
from vlmhyperbench.engines import Engine, Generation, Query
from vlmhyperbench.errors import RunStateError
from vlmhyperbench.eval.aggregate import Row, aggregate, score_answers, write_aggregations
from vlmhyperbench.eval.answers import AnswersWriter, complete_lines, read_answers
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.eval.folder import RunFolderBusyError, default_out_dir, exclusive

if TYPE_CHECKING:
    from vlmhyperbench.results import RunSummary

ANSWERS_FILE = "answers.csv"
RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"
SERVER_LOG = "server.log"  # a --launch'ed server's output, kept with the answers
REQUESTS_FILE = "requests.jsonl"  # a served run's requests, one line per session
SPEED_FILE = "speed.jsonl"  # one measured batch per line, appended after its answers: resumed runs add up
# settings that change the answers: a resumed run must use the same ones (scoring, allow_absolute_paths and
# trust_remote_code may differ: they change how the answers are scored or whether files load, not the answers)
RESUME_KEYS = (
    "model",
    "dataset",
    "synth",
    "prompts",
    "filters",
    "limit",
    "generation",
    "device",
    "dtype",
    "attn_implementation",
    "image_size",
    "seed",
    "batch_size",
)
# a write refused by the file system: one line naming the folder, never a traceback
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


class RunError(RunStateError):
    """The run cannot start or continue; the message says what to change."""


@dataclass
class RunSession:
    """What one session of a run learns as it goes (dataset, selection, what it asked and measured); the
    summary is written from it."""

    config: RunConfig
    out: Path
    resumed: bool
    started: str
    dataset: Dataset
    samples: list[Sample]
    not_answerable: list[Sample]
    prompts: PromptCollection
    asked: int = 0
    elapsed: float = 0.0
    measurements: list[Any] = field(default_factory=list)
    model_info: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    out: Path
    answers_file: Path
    questions: int
    answered_now: int
    tables: dict[str, list[Row]]
    summary: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)


def _select(config: RunConfig, dataset: Dataset) -> list[Sample]:
    f = config.filters
    selected = dataset.filter(f.doc_class or None, f.question_type or None, f.split or None).samples
    if config.limit is not None:
        selected = selected[: config.limit]
    if not selected:
        raise RunError(
            f"no questions left after the filters {f.model_dump()} "
            f"(dataset has doc_class {dataset.values('doc_class')}, "
            f"question_type {dataset.values('question_type')}, "
            f"split {dataset.values('split')})"
        )
    return selected


def _prepare_dataset(config: RunConfig, out: Path) -> Dataset:
    if config.dataset is not None:
        return load_dataset(config.dataset, allow_absolute_paths=config.allow_absolute_paths)
    root = out / "dataset"
    if not (root / "annotation.csv").exists():
        from vlmhyperbench.data.synth import synthesize

        synthesize(  # the run's own folder: a half-made set from a failed start is overwritten
            root,
            n=config.synth.n,
            seed=config.synth.seed,
            doc_classes=config.synth.doc_class or None,
            force=True,
            degradation=config.synth.degrade,
        )
    return load_dataset(root)


def check_resume(config: RunConfig, out: Path, has_answers: bool, resume: bool) -> None:
    """Refuse to mix runs: answers already there need --resume, and a resume needs the same settings."""
    run_file = out / RUN_FILE
    if has_answers and not resume:
        raise RunError(
            f"{out / ANSWERS_FILE} already exists: "
            "pass --resume to continue that run, or choose another --out"
        )
    if has_answers and run_file.exists():
        before = json.loads(run_file.read_text(encoding="utf-8"))["config"]
        now = config.model_dump(mode="json")
        changed = [k for k in RESUME_KEYS if before.get(k) != now.get(k)]
        if changed:
            details = ", ".join(f"{k}: {before.get(k)!r} -> {now.get(k)!r}" for k in changed)
            raise RunError(f"cannot resume {out}: settings changed since it started ({details})")


def _check_dataset(out: Path, now: dict[str, Any], answered: set[str]) -> None:
    """Refuse a resume whose answered questions or their images were edited since the run started."""
    run_file = out / RUN_FILE
    if not answered or not run_file.exists():
        return
    before = json.loads(run_file.read_text(encoding="utf-8")).get("fingerprint")
    if before is None:  # a run started before fingerprints were recorded
        return
    found = changes(before, now, answered)
    if found:
        raise RunError(
            f"cannot resume {out}: the dataset changed since the run started ({'; '.join(found)}); "
            "its answers would be scored against data the model never saw: start a new run (another --out)"
        )


def _infer(engine: Engine, queries: list[Query], max_new_tokens: int) -> Any:
    """One measured batch of answers (kept apart so tests can inject failures)."""
    return engine.measure(queries, Generation(max_new_tokens, fixed_length=False))


def _region(sample: Sample) -> tuple[int, int, int, int] | None:
    """The answer's region for engines that read it; a malformed answer_bbox counts as none."""
    try:
        return sample.bbox
    except ValueError:
        return None


def _prompt_text(prompts: PromptCollection, sample: Sample) -> str:
    return prompts.user_text(sample)


@dataclass
class AnswerJob:
    """The questions one session still has to ask, and where their answers and progress go."""

    config: RunConfig
    dataset: Dataset
    pending: list[Sample]
    prompts: PromptCollection
    writer: AnswersWriter
    console: Console
    on_done: Callable[[int], None] | None
    show_progress: bool

    def queries(self, samples: list[Sample]) -> list[Query]:
        return [Query(self.dataset.load_image(s), _prompt_text(self.prompts, s), _region(s)) for s in samples]


def generate_answers(job: AnswerJob) -> tuple[list[Any], dict[str, Any]]:
    from vlmhyperbench.engines import LoadOptions, create_engine
    from vlmhyperbench.serve import ServerOptions

    config, server = job.config, job.config.server
    engine = create_engine(
        config.model,
        LoadOptions(
            device=config.device,
            dtype=config.dtype,
            attn_implementation=config.attn_implementation,
            seed=config.seed,
            image_size=config.image_size,
            trust_remote_code=config.trust_remote_code,
            server=ServerOptions(
                base_url=server.base_url,
                timeout_s=server.timeout_s,
                retries=server.retries,
                concurrency=server.concurrency,
                launch=server.launch,
                launch_log=job.writer.path.parent / SERVER_LOG,
            ),
        ),
    )
    with _loading(job):
        engine.load()
    try:
        return _answer_served(engine, job) if engine.served else _answer_all(engine, job)
    finally:
        engine.close()


@contextmanager
def _loading(job: AnswerJob) -> Iterator[None]:
    """A spinner naming what loads (weights can take minutes), then how long it took; a plain line where
    stderr is not a terminal, nothing when progress is off."""
    config, console = job.config, job.console
    what = f"loading {config.model} (device {config.device}, dtype {config.dtype})"
    t0 = time.perf_counter()
    if not job.show_progress:
        yield
        return
    if console.is_terminal:
        with console.status(f"{what} ..."):
            yield
    else:
        console.print(what, highlight=False)
        yield
    console.print(f"loaded {config.model} in {time.perf_counter() - t0:.1f} s", highlight=False)


def _answer_all(engine: Engine, job: AnswerJob) -> tuple[list[Any], dict[str, Any]]:
    """An in-process engine's run: batches of `batch_size`, halved when one does not fit in memory."""
    from vlmhyperbench.report.progress import progress_bar

    config, pending, writer, console = job.config, job.pending, job.writer, job.console
    on_batch_done, show_progress = job.on_done, job.show_progress

    measurements: list[Any] = []
    batch_size = config.batch_size
    done = batches = 0
    progress = progress_bar(console, transient=False, disable=not show_progress)
    with progress:
        task = progress.add_task("answering", total=len(pending))
        while done < len(pending):
            chunk = pending[done : done + batch_size]
            queries = job.queries(chunk)
            try:
                measurement = _infer(engine, queries, config.generation.max_new_tokens)
            except Exception as exc:
                if not engine.is_out_of_memory(exc) or batch_size == 1:
                    raise
                engine.free_memory()
                batch_size = max(1, batch_size // 2)
                console.print(f"[yellow]out of memory: batch size halved to {batch_size}[/yellow]")
                continue
            writer.write_batch([s.id for s in chunk], [t.strip() for t in measurement.texts])
            _append_speed(writer.path.parent / SPEED_FILE, measurement)
            measurements.append(measurement)
            done += len(chunk)
            batches += 1
            progress.update(task, completed=done)
            if on_batch_done is not None:
                on_batch_done(batches)
    return measurements, {**engine.describe(), "final_batch_size": batch_size}


def _answer_served(engine: Any, job: AnswerJob) -> tuple[list[Any], dict[str, Any]]:
    """A served engine's run: `concurrency` requests in flight, each answer written once as it arrives.

    Answers land in the file in the order they arrive; a request that fails after its retries stops the
    run once the others in flight have ended (their answers are kept), and `--resume` asks what is left.
    Each session's requests (TTFT, latency, tokens, retries) are appended to `requests.jsonl` as one line.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from vlmhyperbench.engines import Generation

    config, pending, writer, console = job.config, job.pending, job.writer, job.console
    on_answer_done, show_progress = job.on_done, job.show_progress
    queries = job.queries(pending)
    concurrency = config.server.concurrency
    progress = Progress(
        TextColumn("[bold]answering[/bold] {task.fields[flight]} in flight, {task.fields[errors]} failed"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not show_progress,
    )
    answered = failed = 0
    with progress:
        task = progress.add_task(
            "answering", total=len(pending), flight=min(concurrency, len(pending)), errors=0
        )

        def ended() -> None:
            left = len(pending) - answered - failed
            progress.update(task, completed=answered, flight=min(concurrency, left), errors=failed)

        def write(i: int, text: str) -> None:
            nonlocal answered
            writer.write_batch([pending[i].id], [text])
            answered += 1
            ended()
            if on_answer_done is not None:
                on_answer_done(answered)

        def fail(i: int, error: str) -> None:
            nonlocal failed
            failed += 1
            ended()

        records = engine.answer_each(
            queries,
            Generation(config.generation.max_new_tokens, fixed_length=False),
            write,
            concurrency,
            fail,
        )
    requests = [
        {
            "ttft_s": r.ttft_s,
            "latency_s": r.latency_s,
            "prompt_tokens": r.prompt_tokens,
            "completion_tokens": r.completion_tokens,
            "retries": r.retries,
        }
        for r in records
    ]
    with (writer.path.parent / REQUESTS_FILE).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"requests": requests}) + "\n")
    info = {**engine.describe(), "concurrency": concurrency, "retries": sum(r.retries for r in records)}
    return [], info


def _append_speed(path: Path, measurement: Any) -> None:
    """One line per batch, one `write`, fsync'ed (a line cut short is removed by `repair_speed`)."""
    record = {k: v for k, v in dataclasses.asdict(measurement).items() if k != "texts"}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def repair_speed(path: Path) -> None:
    """Cut a line left half-written by an earlier session, so the next record starts on its own line."""
    if path.exists():
        text = path.read_text(encoding="utf-8", errors="replace")
        complete = complete_lines(text)
        if complete != text:
            write_text_atomic(path, complete)


def load_speed(path: Path) -> tuple[list[Any], int]:
    """Every measured batch of the run, across resumed sessions, and the number of unreadable lines."""
    from vlmhyperbench.perf import GenerationMeasurement

    if not path.exists():
        return [], 0
    found = []
    skipped = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            found.append(GenerationMeasurement(texts=[], **json.loads(line)))
        except (ValueError, TypeError):
            skipped += 1
    return found, skipped


def _answerable(config: RunConfig, samples: list[Sample]) -> tuple[list[Sample], list[Sample]]:
    """The questions the engine can answer, and the rest: an engine that reads only the answer region
    (`needs_bbox`, e.g. tesseract) cannot answer a row without answer_bbox. Those rows are left out and
    counted in the summary, never scored as empty answers."""
    from vlmhyperbench.engines import ENGINES, engine_name

    if not ENGINES.get(engine_name(config.model)).needs_bbox:
        return samples, []
    kept = [s for s in samples if s.bbox is not None]
    if not kept:
        raise RunError(
            f"{config.model} reads each question's answer_bbox region, "
            f"and none of the {len(samples)} selected questions has one"
        )
    return kept, [s for s in samples if s.bbox is None]


def speed_summary(measurements: list[Any], answered: int, skipped: int, pages: int) -> dict[str, Any]:
    """Per-batch figures, their summary, questions/s and pages/s over the whole run (any engine), and what
    they cover: a batch whose line was lost (a crash) is not in them."""
    from vlmhyperbench.perf import summarize

    summary = summarize(measurements)
    seconds = sum(m.latency_s for m in measurements)
    summary["questions_per_s"] = sum(m.batch_size for m in measurements) / seconds
    summary["pages_per_s"] = pages / seconds
    return {
        "summary": summary,
        "batches": [{"batch_size": m.batch_size, **m.figures()} for m in measurements],
        "covers": {
            "batches": len(measurements),
            "questions": sum(m.batch_size for m in measurements),
            "answered": answered,
            "unreadable_lines": skipped,
        },
    }


def run_evaluation(
    config: RunConfig,
    *,
    resume: bool = False,
    console: Console | None = None,
    on_batch_done: Callable[[int], None] | None = None,
    show_progress: bool = True,
    report: bool = True,
) -> RunResult:
    """Run (or resume) a quality evaluation and write answers, aggregations and the report.

    The output folder is locked for the whole run: a second run (or a `--resume`) into it is refused while
    this one writes.
    """
    console = console or Console(stderr=True)
    out = Path(config.out) if config.out is not None else default_out_dir()
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out} is a file, not a folder: choose a folder")
    if resume and not out.exists():
        raise RunError(f"--resume: {out} does not exist (nothing to resume)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with exclusive(out):
            from vlmhyperbench.tasks.run import check_same_task, run_task_locked

            check_same_task(config, out)  # a resume continues the task it started with
            if config.task != "qa":  # classification, sorting: vlmhyperbench.tasks, same folder machinery
                return run_task_locked(config, out, resume, console, on_batch_done, show_progress, report)
            return _run_locked(config, out, resume, console, on_batch_done, show_progress, report)
    except RunFolderBusyError as exc:
        raise RunError(str(exc)) from None
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        where = exc.filename or out
        raise RunError(
            f"cannot write {where}: {exc.strerror} [errno {exc.errno}]; the answers written so far are kept: "
            f"fix that, then pass --resume --out {out} to continue"
        ) from None


def _run_locked(
    config: RunConfig,
    out: Path,
    resume: bool,
    console: Console,
    on_batch_done: Callable[[int], None] | None,
    show_progress: bool,
    report: bool,
) -> RunResult:
    answers_file = out / ANSWERS_FILE
    if resume and answers_file.exists() and not (out / RUN_FILE).exists():
        # run.json (model, dataset, fingerprint) is written before the first answer: without it the answers
        # came from elsewhere, and appending this model's answers to them would mix two runs in a user's file
        raise RunError(
            f"cannot resume {out}: {answers_file.name} has no {RUN_FILE} recording the model and dataset "
            f"that produced it; score it with `vlmhyperbench score {answers_file} --dataset DIR` instead"
        )
    done = read_answers(answers_file, repair=True)
    check_resume(config, out, bool(done), resume)
    if not done:  # nothing answered yet (or a start that failed): begin afresh, whatever was there
        (out / SPEED_FILE).unlink(missing_ok=True)
    repair_speed(out / SPEED_FILE)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")

    dataset = _prepare_dataset(config, out)
    samples, not_answerable = _answerable(config, _select(config, dataset))
    prompts = load_prompts(config.prompts)
    for sample in samples:  # a missing prompt or an empty question fails here, before any model loads
        prompts.render(sample, fallback=config.prompt_fallback)
    prints = fingerprint(dataset, samples)
    _check_dataset(out, prints, set(done))
    record_run(out, config, dataset.root, prints)
    check_no_stray_answers(answers_file, done, {s.id for s in samples})
    pending = [s for s in samples if s.id not in done]
    console.print(
        f"{len(samples)} questions, {len(done)} already answered, {len(pending)} to ask ({config.model})",
        highlight=False,
    )

    session = RunSession(
        config, out, resume, started, dataset, samples, not_answerable, prompts, asked=len(pending)
    )
    session.model_info = {"model": config.model}
    t0 = time.perf_counter()
    if pending:
        with AnswersWriter(answers_file) as writer:
            job = AnswerJob(config, dataset, pending, prompts, writer, console, on_batch_done, show_progress)
            session.measurements, session.model_info = generate_answers(job)
    session.elapsed = time.perf_counter() - t0

    answers = read_answers(answers_file)
    rows = score_answers(samples, answers, config.metrics, yo_to_e=config.yo_to_e)
    tables = aggregate(rows, config.metrics, config.aggregators, yo_to_e=config.yo_to_e)
    if config.scoring == "upstream":
        written, scoring = _score_upstream(config, dataset, answers_file)
    else:
        written, scoring = write_aggregations(answers_file, tables), {"profile": config.scoring}
    files = {f"answers_{k}": v for k, v in written.items()}
    files["answers"] = answers_file

    summary = _summary(session, rows, tables, previous_summary(out))
    summary["scoring"] = scoring
    result = RunResult(out, answers_file, len(samples), len(pending), tables, summary, files)
    from vlmhyperbench.report.run_report import write_run_report, write_summary

    if report:
        result.files.update(write_run_report(out, summary, rows))
    else:
        result.files["summary"] = write_summary(out, summary)
    return result


def _score_upstream(
    config: RunConfig, dataset: Dataset, answers_file: Path
) -> tuple[dict[str, Path], dict[str, Any]]:
    """metric_evaluator 0.1.1's tables (`vlmhyperbench.eval.upstream`, quirks included) for the run's
    answers, written where upstream writes them, and their figures for summary.json's `scoring`.

    The run's metrics that upstream has (wer, cer, bleu) are scored; a run with none of them gets all three.
    Rows are keyed by our metric names, and each gets the `count` of answers in it (upstream's have none);
    BLEU stays on upstream's 0..100 scale.
    """
    from vlmhyperbench.eval.upstream import UPSTREAM_METRICS, score_upstream, write_upstream_tables

    names = [m.upper() for m in config.metrics if m.upper() in UPSTREAM_METRICS] or list(UPSTREAM_METRICS)
    result = score_upstream(dataset.root / ANNOTATION_FILE, answers_file, names)
    tables = {k: v for k, v in result.tables.items() if k in config.aggregators}
    files = write_upstream_tables(answers_file, tables, answers_file.parent)
    per_class = Counter(str(r["doc_class"]) for r in result.tables["by_id"])
    general = result.tables["general"]
    return files, {
        "profile": "upstream",
        "metrics": {name.lower(): {"higher_is_better": name == "BLEU"} for name in names},
        "general": {**_by_metric(general[0]), "count": result.answered} if general else {"count": 0},
        "by_doc_type": [
            {**_by_metric(row), "count": per_class[str(row["doc_class"])]}
            for row in result.tables["by_doc_type"]
        ],
    }


# upstream's column -> our metric name (BLEU is `bleu_score` per row and overall, `bleu_error` per group)
UPSTREAM_COLUMNS = {"wer_error": "wer", "cer_error": "cer", "bleu_score": "bleu", "bleu_error": "bleu"}


def _by_metric(row: dict[str, object]) -> dict[str, object]:
    """An upstream table row keyed like ours (`wer`, `cer`, `bleu`), so one results table shows both."""
    return {UPSTREAM_COLUMNS.get(k, k): v for k, v in row.items()}


def record_run(out: Path, config: RunConfig, dataset_root: Path, prints: dict[str, Any]) -> None:
    """run.json: the settings, the dataset and its fingerprint, what a later `--resume` is checked against."""
    record = {"config": config.model_dump(mode="json"), "dataset": str(dataset_root), "fingerprint": prints}
    write_text_atomic(out / RUN_FILE, json.dumps(record, indent=2, ensure_ascii=False))


def check_no_stray_answers(answers_file: Path, done: Iterable[str], wanted: set[str]) -> None:
    """A resumed answers file holds only ids of this selection (another filter or dataset would mix runs)."""
    stray = [i for i in done if i not in wanted]
    if stray:
        raise RunError(f"{answers_file} has answers for ids not in this selection, e.g. {stray[0]!r}")


def previous_summary(out: Path) -> RunSummary | None:
    """The summary an earlier session of this run wrote (None: none, or one that does not parse)."""
    from vlmhyperbench.results import ResultError, load_run_summary

    path = out / SUMMARY_FILE
    if path.exists():
        try:
            return load_run_summary(path)
        except ResultError:
            return None
    return None


def _summary(
    session: RunSession, rows: list[Row], tables: dict[str, list[Row]], previous: RunSummary | None
) -> dict[str, Any]:
    """summary.json of the run so far: this session's facts, every answer's scores, and the speed of every
    session that measured (an earlier session's speed when this one asked nothing)."""
    from vlmhyperbench.env.info import collect_environment
    from vlmhyperbench.eval.metrics import METRICS

    config, out, samples = session.config, session.out, session.samples
    measurements, model_info = session.measurements, session.model_info
    skipped = 0
    if measurements:  # this session ran the model: count every batch of the run, earlier sessions too
        recorded, skipped = load_speed(out / SPEED_FILE)
        measurements = recorded or measurements
    pages = len({s.image_path for s in samples})
    speed = speed_summary(measurements, len(rows), skipped, pages) if measurements else None
    if not measurements and previous is not None:
        speed = previous.speed.model_dump() if previous.speed else None
        model_info = previous.model or model_info
    general = _group_all(rows, config.metrics, config.yo_to_e)
    return {
        "run": {
            "out": str(out),
            "started": session.started,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "resumed": session.resumed,
            "questions": len(samples),
            "answered": len(rows),
            "asked_this_session": session.asked,
            "inference_wall_s": session.elapsed,
            "not_answerable": len(session.not_answerable),
        },
        "config": config.model_dump(mode="json"),
        "model": model_info,
        "dataset": {
            "path": str(session.dataset.root),
            "questions": len(samples),
            "images": len({s.image_path for s in samples}),
            "doc_class": {
                c: sum(s.doc_class == c for s in samples) for c in dict.fromkeys(s.doc_class for s in samples)
            },
            "degradation": read_manifest(session.dataset.root).get("degradation"),
        },
        "metrics": {
            name: {
                "higher_is_better": METRICS.get(name).higher_is_better,
                "description": METRICS.get(name).description,
            }
            for name in config.metrics
        },
        "general": general,
        "by_doc_type": tables.get("by_doc_type") or _by(rows, config.metrics, "by_doc_type"),
        "by_doc_question": tables.get("by_doc_question") or _by(rows, config.metrics, "by_doc_question"),
        "speed": speed,
        "environment": collect_environment(),
        "prompts": {"source": session.prompts.source, "system": session.prompts.system},
    }


def _group_all(rows: list[Row], metrics: list[str], yo_to_e: bool) -> dict[str, Any]:
    from vlmhyperbench.eval.aggregate import general

    found = general(rows, metrics, yo_to_e=yo_to_e)
    return dict(found[0]) if found else {"count": 0}


def _by(rows: list[Row], metrics: list[str], name: str) -> list[Row]:
    from vlmhyperbench.eval.aggregate import AGGREGATORS

    return AGGREGATORS.get(name)(rows, metrics)
