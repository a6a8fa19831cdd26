"""`vlmhyperbench bench` without the terminal: run a batch x attention sweep, make a speed record.

The record (`vlmhyperbench.results.SpeedRecord`) has exactly the layout `pytest benchmarks
--benchmark-autosave --benchmark-save-data` writes, and each benchmark the name, params and group the
suites give the same configuration; `ResultStore.save` files it in the same per-cell folder, so
`pytest-benchmark compare` and `vlmhyperbench compare` read and match both alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from vlmhyperbench.counts import parse_counts
from vlmhyperbench.engines import Engine, Generation, LoadOptions, Query
from vlmhyperbench.errors import MeasurementFailed, UsageError
from vlmhyperbench.perf.fit import PAGE_SIZE, batch_does_not_fit
from vlmhyperbench.perf.measurement import GenerationMeasurement
from vlmhyperbench.perf.runners import DEFAULT_RUNNER, case_suffix, check_warmup, compile_summary
from vlmhyperbench.perf.stats import check_rounds
from vlmhyperbench.perf.summary import bench_config, extra_info, overhead_summary
from vlmhyperbench.results.schema import FAILED_KEY, SCHEMA_VERSION, SpeedCase, SpeedRecord

PROMPT = "Extract every field of this document as JSON."


@dataclass
class BenchCase:
    """One (attention, runner, batch) cell of the sweep and its measured rounds.

    `error` is set when the case could not run (out of memory at this batch size): `rounds` is then
    empty and `info` holds only the config, so the sweep goes on and the table says why.
    """

    attn: str
    batch: int
    rounds: list[GenerationMeasurement]
    info: dict[str, Any]  # extra_info: config / metrics / rounds (/ overhead)
    error: str | None = None
    runner: str = DEFAULT_RUNNER

    @property
    def identity(self) -> SpeedCase:
        return SpeedCase(self.info["config"]["preset"], self.attn, self.batch, self.runner)

    @property
    def name(self) -> str:
        return self.identity.name

    def row(self) -> dict[str, Any]:
        """What the tables render: `info`, plus `error` for a case that could not run."""
        return {**self.info, "error": self.error} if self.error else self.info


@dataclass
class BenchRun:
    """A sweep's record, filled case by case, so an interrupted or failed sweep keeps what it measured."""

    spec: str
    cases: list[BenchCase] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def measured(self) -> list[BenchCase]:
        return [case for case in self.cases if case.error is None]

    @property
    def failed(self) -> list[BenchCase]:
        return [case for case in self.cases if case.error is not None]

    def check_measured(self) -> None:
        """A MeasurementFailed when the sweep ran but measured no case (every batch refused or out of
        memory): a sweep with nothing to show must not exit 0."""
        if self.cases and not self.measured:
            first = self.failed[0]
            more = f" (and {len(self.failed) - 1} more case(s) not measured)" if len(self.failed) > 1 else ""
            raise MeasurementFailed(f"no case measured: {first.name}: {first.error}{more}")


def parse_batches(text: str) -> list[int]:
    """`1,8,32` -> [1, 8, 32]; anything else (0, negative, not a number) is a UsageError naming it."""
    return parse_counts(text, "batch size", "--batch")


def document_pages(n: int, size: tuple[int, int] = PAGE_SIZE) -> list[Any]:
    """n synthetic text-like pages; content does not change the timings, the resolution does."""
    from PIL import Image, ImageDraw

    pages = []
    for i in range(n):
        page = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(page)
        for line in range(40):
            draw.text(
                (40, 40 + line * 25), f"Invoice {i:03d} line {line:02d} total {line * 3.5:.2f}", fill="black"
            )
        pages.append(page)
    return pages


@dataclass(frozen=True)
class SweepSettings:
    """One `bench` sweep: what to load (`spec`, `load`) and what to measure on it. Checked when made, so
    a bad setting is refused before anything loads."""

    spec: str
    batches: tuple[int, ...] = (1,)
    attns: tuple[str | None, ...] = (None,)
    runners: tuple[str, ...] = (DEFAULT_RUNNER,)
    new_tokens: int = 128
    rounds: int = 3
    warmup: int = 1
    fixed_length: bool = True
    overhead: bool = False
    load: LoadOptions = field(default_factory=LoadOptions)  # its attn_implementation comes from `attns`

    def __post_init__(self) -> None:
        if not self.batches:
            raise UsageError("no batch size given (use e.g. --batch 1,8,32)")
        check_sweep(self.rounds, self.warmup, self.new_tokens, self.runners)

    @property
    def cases(self) -> int:
        return len(self.attns) * len(self.runners) * len(self.batches)


def run_bench(
    settings: SweepSettings,
    on_step: Callable[[str], None] | None = None,
    on_case: Callable[[BenchRun], None] | None = None,
    run: BenchRun | None = None,
) -> BenchRun:
    """Load the engine once per attention implementation and measure every runner and batch size.

    `on_step(description)` is called after each generate round (warm-up or measured), for progress
    bars; `on_case(run)` after each finished case, so callers can save as they go. Pass `run` to keep
    the cases measured so far when the sweep is interrupted or fails.
    """
    from vlmhyperbench.engines import create_engine

    run = run if run is not None else BenchRun(settings.spec)
    for attn in settings.attns:
        options = replace(settings.load, attn_implementation=attn)
        with create_engine(settings.spec, options) as engine:
            for runner in settings.runners:
                bench_engine(
                    engine,
                    settings.batches,
                    settings.new_tokens,
                    settings.rounds,
                    settings.warmup,
                    settings.fixed_length,
                    settings.overhead,
                    on_step,
                    on_case,
                    run,
                    runner=runner,
                )
    return run


def check_sweep(
    rounds: int, warmup: int, new_tokens: int, runners: Sequence[str] = (DEFAULT_RUNNER,)
) -> None:
    check_rounds(rounds, warmup, new_tokens)
    for runner in runners:
        check_warmup(runner, warmup)


def bench_engine(
    engine: Engine,
    batches: Sequence[int],
    new_tokens: int = 128,
    rounds: int = 3,
    warmup: int = 1,
    fixed_length: bool = True,
    overhead: bool = False,
    on_step: Callable[[str], None] | None = None,
    on_case: Callable[[BenchRun], None] | None = None,
    run: BenchRun | None = None,
    runner: str = DEFAULT_RUNNER,
) -> BenchRun:
    """Measure every batch size on one loaded engine; a batch that does not fit is recorded, not fatal.

    With `overhead`, each measured round is paired with a bare call of the same inputs and runner (the
    pair's order alternates), and `info["overhead"]` compares their tokens/s. `info["runner"]` holds the
    runner's one-off (compile and capture) time, apart from the steady-state rounds.
    """
    check_sweep(rounds, warmup, new_tokens, [runner])
    run = run if run is not None else BenchRun(engine.spec)
    step = on_step or (lambda description: None)
    generation = Generation(new_tokens, fixed_length, runner)
    attn = engine.config().attn_implementation or "default"
    for batch in batches:
        label = f"{attn}{case_suffix(runner)} b{batch}"
        message = batch_does_not_fit(engine, batch, new_tokens) or ""  # refused before allocating
        case: BenchCase | None = None
        if not message:
            try:
                case = _measure_case(engine, attn, batch, generation, rounds, warmup, overhead, step)
            except Exception as exc:
                if not engine.is_out_of_memory(exc):
                    raise
                detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                message = f"out of memory at batch {batch}: {detail}"
        if case is None:  # outside the except block, so the failed call's tensors can be freed
            engine.free_memory()
            info = {
                "config": bench_config(engine, batch, new_tokens, fixed_length, runner),
                "load": engine.describe(),
            }
            case = BenchCase(attn, batch, [], info, error=message, runner=runner)
            for _ in range(warmup + rounds):
                step(f"{label} out of memory")
        run.cases.append(case)
        if on_case:
            on_case(run)
    return run


def _measure_case(
    engine: Engine,
    attn: str,
    batch: int,
    generation: Generation,
    rounds: int,
    warmup: int,
    overhead: bool,
    step: Callable[[str], None],
    runner: str = DEFAULT_RUNNER,
) -> BenchCase:
    queries = [Query(page, PROMPT) for page in document_pages(batch)]
    prepared = engine.prepare(queries)
    runner = generation.runner
    label = f"{attn}{case_suffix(runner)} b{batch}"
    warmup_s: list[float] = []

    def bare() -> float:
        seconds = engine.bare_seconds(prepared, generation)
        if seconds is None:
            raise UsageError(f"engine {engine.name!r} has no bare call to measure its overhead against")
        return seconds

    for i in range(warmup):
        # the measured call first: its latency is the compile-and-capture time of a compiled runner
        warmup_s.append(engine.measure(queries, generation, prepared).latency_s)
        if overhead:
            bare()
        step(f"{label} warm-up {i + 1}/{warmup}")
    measured: list[GenerationMeasurement] = []
    bare_s: list[float] = []
    for i in range(rounds):
        if overhead and i % 2 == 0:
            bare_s.append(bare())
        measured.append(engine.measure(queries, generation, prepared))
        if overhead and i % 2 == 1:
            bare_s.append(bare())
        step(f"{label} round {i + 1}/{rounds}")
    info = extra_info(engine, measured, batch, generation.max_new_tokens, generation.fixed_length, runner)
    info["load"] = engine.describe()
    info["runner"] = compile_summary(runner, warmup_s, [m.latency_s for m in measured])
    if overhead:
        info["overhead"] = overhead_summary(measured, bare_s)
    return BenchCase(attn, batch, measured, info, runner=runner)


def speed_record(run: BenchRun, rounds_setting: int, warmup: int) -> SpeedRecord:
    """The run as a speed record: pytest-benchmark's saved JSON (with `--benchmark-save-data`), whose
    benchmarks carry the identity the speed suites give the same configuration (`SpeedCase`)."""
    from pytest_benchmark import __version__ as pb_version
    from pytest_benchmark.plugin import pytest_benchmark_generate_machine_info
    from pytest_benchmark.stats import Stats

    from vlmhyperbench.env.cell import current_cell
    from vlmhyperbench.env.info import collect_environment, commit_info

    machine_info = pytest_benchmark_generate_machine_info()
    machine_info.update(
        vlmhyperbench=collect_environment(), cell=current_cell().id, schema_version=SCHEMA_VERSION
    )
    benchmarks = []
    for case in run.measured:
        stats = Stats()
        for m in case.rounds:
            stats.update(m.latency_s)
        stats_dict = stats.as_dict()
        stats_dict["data"] = list(stats.data)
        stats_dict["iterations"] = 1
        identity = case.identity
        benchmarks.append(
            {
                "group": identity.group,
                "name": identity.name,
                "fullname": identity.fullname,
                "params": identity.params,
                "param": identity.param,
                "extra_info": case.info,
                "options": {
                    "disable_gc": False,
                    "timer": "cuda_event"
                    if str(case.info["config"]["device"]).startswith("cuda")
                    else "perf_counter",
                    "min_rounds": rounds_setting,
                    "max_time": None,
                    "min_time": None,
                    "warmup": warmup,
                },
                "stats": stats_dict,
            }
        )
    return SpeedRecord.model_validate(
        {
            "machine_info": machine_info,
            "commit_info": commit_info(),
            "benchmarks": benchmarks,
            "datetime": run.started.isoformat(),
            "version": pb_version,
            FAILED_KEY: [{"name": c.name, "error": c.error, "extra_info": c.info} for c in run.failed],
        }
    )
