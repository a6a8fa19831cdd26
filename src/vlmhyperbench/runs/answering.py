"""The engine loop of a run: load the engine, then ask every pending item, writing each answer as it comes.

An in-process engine answers in batches of `batch_size` (halved when a batch does not fit in memory, the
same questions retried), each batch's answers flushed to the answers file and its timings appended to
`speed.jsonl`; a served engine keeps `concurrency` requests in flight and writes each answer as it arrives
(its requests go to `requests.jsonl`). Tasks bring only how an item becomes a `Query`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from vlmhyperbench.engines import Engine, Generation, Query
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.runs import speed
from vlmhyperbench.runs.answers import AnswersWriter
from vlmhyperbench.runs.files import REQUESTS_FILE, SERVER_LOG, SPEED_FILE


def _infer(engine: Engine, queries: list[Query], max_new_tokens: int) -> Any:
    """One measured batch of answers (kept apart so tests can inject failures)."""
    return engine.measure(queries, Generation(max_new_tokens, fixed_length=False))


@dataclass
class AnswerJob:
    """The items one session still has to ask, how each becomes a query, and where answers and progress go."""

    config: RunConfig
    pending: list[Any]  # `Item`s: each answer is written under its `.id`
    queries: Callable[[list[Any]], list[Query]]  # the task's: one image and one prompt per item
    writer: AnswersWriter
    console: Console
    on_done: Callable[[int], None] | None
    show_progress: bool
    on_answers: Callable[[list[Any], list[Query], list[str], float | None], None] | None = None

    def write(
        self, items: list[Any], queries: list[Query], answers: list[str], latency: float | None
    ) -> None:
        """Hand a batch's answers to `on_answers` (samples.jsonl), then append them to the answers file."""
        if self.on_answers is not None:
            self.on_answers(items, queries, answers, latency)
        self.writer.write_batch([i.id for i in items], answers)


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
    from vlmhyperbench.runs.progress import progress_bar

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
            job.write(chunk, queries, [t.strip() for t in measurement.texts], measurement.latency_s)
            speed.append_speed(writer.path.parent / SPEED_FILE, measurement)
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
            job.write([pending[i]], [queries[i]], [text], None)
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
