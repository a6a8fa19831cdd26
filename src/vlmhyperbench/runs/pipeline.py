"""A run of any task end to end: run folder and lock, run.json, `--resume` checks, answers, the engine loop,
timing and summary.json.

    result = run_task(task, config, resume=False, progress=Progress(Console(stderr=True)))

The output folder holds `run.json` (the resolved config, the dataset and its fingerprint), `answers.csv`
(`id;model_answer`, flushed per batch), `samples.jsonl` (each answer scored as it arrives), `speed.jsonl`
(each measured batch; a served run: `requests.jsonl` and `server.log`), the task's tables
(`answers_{table}.csv`) and `summary.json`. `resume=True` keeps the answers already in the folder and asks
only the missing items, in the same batches an uninterrupted run would use; the speed figures then cover
the batches of every session. The task (`runs.task.RunTask`) brings its dataset, queries and scores; the
report (`report.run_report`, passed in as `finish`) is rendered from the result.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.runs.answering import AnswerJob, generate_answers
from vlmhyperbench.runs.answers import AnswersWriter, read_answers
from vlmhyperbench.runs.files import ANSWERS_FILE, RUN_FILE, SAMPLES_FILE, SPEED_FILE
from vlmhyperbench.runs.folder import RunFolderBusyError, default_out_dir, exclusive
from vlmhyperbench.runs.record import (
    RunError,
    check_no_stray_answers,
    check_resume,
    check_same_task,
    record_run,
    recorded_fingerprint,
)
from vlmhyperbench.runs.result import RunResult
from vlmhyperbench.runs.samples import SamplesWriter, repair_samples
from vlmhyperbench.runs.speed import repair_speed
from vlmhyperbench.runs.summary import RunSession, build_summary, now, write_summary
from vlmhyperbench.runs.task import Prepared, RunTask

# a write refused by the file system: one line naming the folder, never a traceback
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


@dataclass
class Progress:
    """Where a run reports as it goes: the console, a callback after each batch (or answer), the bar."""

    console: Console
    on_batch_done: Callable[[int], None] | None = None
    show_progress: bool = True


def run_task(
    task: RunTask,
    config: RunConfig,
    *,
    resume: bool = False,
    progress: Progress,
    finish: Callable[[RunResult], dict[str, Path]] | None = None,
) -> RunResult:
    """Run (or resume) `task` as `config` says and write answers, tables and summary.json; then `finish`
    (the report, from the layer above) writes its files into the folder.

    The output folder is locked for the whole run, `finish` included: a second run (or a `--resume`) into
    it is refused while this one writes.
    """
    out = Path(config.out) if config.out is not None else default_out_dir()
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out} is a file, not a folder: choose a folder")
    if resume and not out.exists():
        raise RunError(f"--resume: {out} does not exist (nothing to resume)")
    with writes_refused_as_run_errors(out):
        out.mkdir(parents=True, exist_ok=True)
        with exclusive(out):
            check_same_task(config, out)  # a resume continues the task it started with
            result = _run_locked(task, config, out, resume, progress)
            if finish is not None:
                result.files.update(finish(result))
            return result


@contextmanager
def writes_refused_as_run_errors(out: Path) -> Iterator[None]:
    """A write the file system refuses (full, read-only, ...) and a busy folder become one `RunError`
    naming the file and how to continue; anything else passes through."""
    try:
        yield
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


def _start(task: RunTask, config: RunConfig, out: Path, resume: bool) -> tuple[dict[str, str], RunSession]:
    """The answers already in the folder (a torn last record cut), checked against --resume."""
    answers_file = out / ANSWERS_FILE
    if resume and answers_file.exists() and not (out / RUN_FILE).exists():
        # run.json (model, dataset, fingerprint) is written before the first answer: without it the answers
        # came from elsewhere, and appending this model's answers to them would mix two runs in a user's file
        raise RunError(
            f"cannot resume {out}: {answers_file.name} has no {RUN_FILE} recording the model and dataset "
            f"that produced it{task.orphan_answers_note(answers_file)}"
        )
    done = read_answers(answers_file, repair=True)
    check_resume(config, out, bool(done), resume)
    if not done:  # nothing answered yet (or a start that failed): begin afresh, whatever was there
        (out / SPEED_FILE).unlink(missing_ok=True)
        (out / SAMPLES_FILE).unlink(missing_ok=True)
    repair_speed(out / SPEED_FILE)
    repair_samples(out / SAMPLES_FILE, set(done))
    return done, RunSession(config, out, resume, now())


def _check_unchanged(task: RunTask, out: Path, prepared: Prepared, answered: set[str]) -> None:
    """Refuse a resume whose answered items (or their pages) were edited since the run started."""
    before = recorded_fingerprint(out)
    if not answered or before is None:  # nothing answered, or a run started before fingerprints
        return
    found = task.dataset_changes(before, prepared.fingerprint, answered)
    if found:
        raise RunError(
            f"cannot resume {out}: the dataset changed since the run started ({found}); "
            "its answers would be scored against data the model never saw: start a new run (another --out)"
        )


def _run_locked(task: RunTask, config: RunConfig, out: Path, resume: bool, progress: Progress) -> RunResult:
    answers_file = out / ANSWERS_FILE
    done, session = _start(task, config, out, resume)
    prepared = task.prepare(config, out)
    _check_unchanged(task, out, prepared, set(done))
    record_run(out, config, prepared.root, prepared.fingerprint)
    check_no_stray_answers(answers_file, done, {i.id for i in prepared.items})
    pending = [i for i in prepared.items if i.id not in done]
    progress.console.print(
        f"{prepared.counted}, {len(done)} already answered, {len(pending)} to ask ({config.model})",
        highlight=False,
    )
    session.asked = len(pending)
    session.model_info = {"model": config.model}
    t0 = time.perf_counter()
    if pending:
        with AnswersWriter(answers_file) as writer:
            job = AnswerJob(
                config,
                pending,
                lambda items: task.queries(prepared, items),
                writer,
                progress.console,
                progress.on_batch_done,
                progress.show_progress,
                SamplesWriter(out / SAMPLES_FILE, task, prepared, config).append,
            )
            session.measurements, session.model_info = generate_answers(job)
    session.elapsed = time.perf_counter() - t0

    scored = task.score_run(prepared, config, read_answers(answers_file), answers_file)
    summary = build_summary(session, prepared, scored)
    files = {**scored.files, "answers": answers_file, "summary": write_summary(out, summary)}
    return RunResult(
        out, answers_file, len(prepared.items), len(pending), scored.tables, summary, files, scored.rows
    )
