"""Drive two worker processes through warm-up and randomised, balanced ABBA blocks of measured rounds.

Each side runs `vlmhyperbench/ab/worker.py` in its own interpreter and keeps its model loaded. A round is
`settle` unrecorded calls (the other worker just ran and evicted the caches) and the median of `calls`
timed calls (`Settings`). After `warmup` rounds per side (alternating, not recorded as measured), the driver
measures blocks of four rounds, ABBA or BAAB drawn at random per block, so that within a block each side
gets one early and one late slot and slow drift cancels in the block's difference (`ab/stats.py`). Every
round is recorded with its side, block, position in the block, global order and timestamp.

A side that fails to start or dies mid-way ends the run with a `SideFailed` message naming the side and
the last line its process wrote to stderr; `ABRun.error` holds it and the rounds measured so far stay in
the run (the caller stores them before raising).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import selectors
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from vlmhyperbench.ab.sides import Side, SideFailed
from vlmhyperbench.ab.stats import block_noise, precise_enough, target_half_width
from vlmhyperbench.compare.calibrate import rounds_needed
from vlmhyperbench.compare.comparison import DEFAULT_CONFIDENCE, DEFAULT_THRESHOLD
from vlmhyperbench.env.info import portable_environment
from vlmhyperbench.errors import EnvironmentProblem, UsageError
from vlmhyperbench.figures import DEFAULT_FIGURE, FIGURES

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
PATTERNS = ("ABBA", "BAAB")
LOAD_TIMEOUT_S = 900.0  # a first import of torch in a cold venv on a loaded 2-core VM takes minutes
ROUND_TIMEOUT_S = 600.0
PILOT_BLOCKS = 8  # `--rounds auto`: blocks measured before forecasting the run's length from their spread
MIN_AUTO_BLOCKS = 10  # a pilot's spread is underestimated; 10 blocks also give a 95 % interval room
MAX_AUTO_BLOCKS = 200  # above this the machine is too noisy for a verdict in reasonable time


@dataclass(frozen=True)
class Round:
    """One measured round: which side, where in the schedule, when, and what it measured."""

    side: str  # "A" or "B"
    block: int  # 1-based
    position: int  # 1..4 within the block
    order: int  # 1-based over the whole run
    pattern: str  # the block's order, ABBA or BAAB
    timestamp: str  # UTC, ISO 8601, when the round finished
    figures: dict[str, float | None]


@dataclass
class ABRun:
    """Everything an A/B run measured, kept even when a side failed part-way."""

    sides: dict[str, Side]
    figure: str
    seed: int
    warmup: int
    blocks_planned: int | None  # None: `auto`, decided after the pilot
    started: str
    finished: str = ""
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    load_s: dict[str, float] = field(default_factory=dict)
    rounds: list[Round] = field(default_factory=list)
    pilot_noise: float | None = None  # robust spread of the pilot's block differences (log scale)
    stopped: str = ""  # why measuring ended: planned, precise (auto), limit (auto), or the error
    error: str | None = None
    seconds: float = 0.0

    def blocks(self, figure: str | None = None) -> list[tuple[list[float], list[float]]]:
        """(A values, B values) of each complete block, for `figure` (default: the run's)."""
        name = figure or self.figure
        grouped: dict[int, dict[str, list[float]]] = {}
        for r in self.rounds:
            value = r.figures.get(name)
            if value is None:
                continue
            grouped.setdefault(r.block, {"A": [], "B": []})[r.side].append(float(value))
        return [(g["A"], g["B"]) for _, g in sorted(grouped.items()) if len(g["A"]) == 2 and len(g["B"]) == 2]

    def values(self, side: str, figure: str | None = None) -> list[float | None]:
        name = figure or self.figure
        return [r.figures.get(name) for r in self.rounds if r.side == side]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["complete_blocks"] = len(self.blocks())
        return data


class WorkerProcess:
    """A side's worker: a child process spoken to in JSON lines, its stderr kept in a file for messages."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.stderr: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed in close)
        env = {**os.environ, **side.env, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
        env.pop("PYTHONPATH", None)  # the side's own installed vlmhyperbench, not this checkout's
        try:
            self.process = subprocess.Popen(
                [side.python, "-u", str(WORKER_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                text=True,
                env=env,
                cwd=tempfile.gettempdir(),  # so `import vlmhyperbench` cannot pick up a source tree in cwd
            )
        except OSError as exc:
            raise SideFailed(f"side {side.label} ({side.python}) could not start: {exc}") from None
        self.selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self.selector.register(self.process.stdout, selectors.EVENT_READ)

    def last_error_line(self) -> str:
        self.stderr.seek(0)
        lines = [line.strip() for line in self.stderr.read().splitlines() if line.strip()]
        return lines[-1] if lines else "no output on stderr"

    def request(self, message: dict[str, Any], what: str, timeout: float) -> dict[str, Any]:
        """Send one request and wait for its reply; SideFailed (one line) when the worker cannot answer."""
        label = f"side {self.side.label} ({self.side.kind} {self.side.where})"
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            code = self.process.wait(timeout=10)
            raise SideFailed(
                f"{label} exited (status {code}) before {what}: {self.last_error_line()}"
            ) from None
        if not self.selector.select(timeout):
            self.close()
            raise SideFailed(f"{label} did not answer {what} within {timeout:.0f} s; stopped it")
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait(timeout=10)
            raise SideFailed(f"{label} exited (status {code}) during {what}: {self.last_error_line()}")
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            raise SideFailed(
                f"{label} answered {what} with something that is not JSON: {line[:80]!r}"
            ) from None
        if not reply.get("ok"):
            raise SideFailed(f"{label} failed {what}: {reply.get('error', 'no reason given')}")
        return dict(reply)

    def load(self, timeout: float = LOAD_TIMEOUT_S) -> dict[str, Any]:
        """Load the side's model; the reply has the worker's environment (local paths made portable)."""
        request = {"op": "load", **asdict(self.side.settings), "figures": list(FIGURES.names())}
        reply = self.request(request, "loading the model", timeout)
        reply["environment"] = portable_environment(dict(reply.get("environment") or {}))
        return reply

    def measure(self, slowdown: float, what: str) -> dict[str, float | None]:
        """One round of the side's settings (`calls`, `settle`): every figure, None where not measured."""
        settings = self.side.settings
        request = {"op": "measure", "slowdown": slowdown, "calls": settings.calls, "settle": settings.settle}
        figures = self.request(request, what, ROUND_TIMEOUT_S).get("figures") or {}
        return {key: (None if value is None else float(value)) for key, value in figures.items()}

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.selector.close()
        self.stderr.close()


def block_patterns(count: int, rng: np.random.Generator) -> list[str]:
    """`count` block orders, ABBA or BAAB, each drawn at random (the randomisation the statistics assume)."""
    return [PATTERNS[int(rng.integers(2))] for _ in range(count)]


def blocks_for_noise(noise: float, slowdown: float = 0.10, **kwargs: float) -> int:
    """Blocks that resolve `slowdown` at this spread of block differences: `compare.calibrate.rounds_needed`
    sizes an unpaired design with per-round noise s (SE ~ s * sqrt(2 / n)); a block difference with spread
    s_d has SE ~ s_d / sqrt(blocks), the same as rounds_needed's at s = s_d / sqrt(2)."""
    if not math.isfinite(noise):
        return MIN_AUTO_BLOCKS
    return max(MIN_AUTO_BLOCKS, rounds_needed(max(noise, 1e-6) / math.sqrt(2.0), slowdown, **kwargs))


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def run_ab(
    side_a: Side,
    side_b: Side,
    blocks: int | None,
    figure: str = DEFAULT_FIGURE,
    warmup: int = 3,
    seed: int = 0,
    slowdown: dict[str, float] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    detect: float = 0.10,
    progress: Callable[[ABRun], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> ABRun:
    """Measure `blocks` ABBA blocks and return every round.

    `blocks=None` (auto): after PILOT_BLOCKS blocks, forecast the length (`blocks_for_noise`, refused above
    MAX_AUTO_BLOCKS), then go on until the interval is narrow enough to catch a `detect` slowdown
    (`stats.precise_enough`), at least MIN_AUTO_BLOCKS and at most MAX_AUTO_BLOCKS blocks. A forecast from
    eight blocks underestimates a noisy machine's spread; the width of the interval itself does not.

    `slowdown` ({"B": 0.10}) asks a side's worker to slow its rounds through the test-only hook: the
    calibration's injected regression. A failing side ends the run early with `ABRun.error` set.
    """
    if blocks is not None and blocks < 1:
        raise UsageError(f"need at least one block, got {blocks}")
    if figure not in FIGURES.names():
        raise UsageError(f"unknown figure {figure!r}. Available: {', '.join(FIGURES.names())}")
    rng = np.random.default_rng(seed)
    run = ABRun({"A": side_a, "B": side_b}, figure, seed, warmup, blocks, now())
    started = time.perf_counter()
    workers: dict[str, WorkerProcess] = {}
    slow = slowdown or {}
    try:
        for name, side in run.sides.items():  # start both before loading: their imports overlap
            workers[name] = WorkerProcess(side)
        for name, side in run.sides.items():
            reply = workers[name].load()
            run.environments[name] = reply["environment"]
            run.load_s[name] = float(reply.get("load_s") or 0.0)
            if log:
                log(f"{side.describe()}: loaded in {run.load_s[name]:.1f} s")

        def measure(name: str) -> dict[str, float | None]:
            return workers[name].measure(slow.get(name, 0.0), f"round {len(run.rounds) + 1}")

        for _ in range(warmup):
            for name in ("A", "B"):
                measure(name)
        target = target_half_width(detect, threshold, confidence)
        block = 0
        while True:
            if blocks is not None and block >= blocks:
                run.stopped = "planned"
                break
            if blocks is None and block >= PILOT_BLOCKS:
                if precise_enough(run.blocks(), target, confidence, MIN_AUTO_BLOCKS):
                    run.stopped = "precise"
                    break
                if block >= MAX_AUTO_BLOCKS:
                    run.stopped = "limit"
                    if log:
                        log(
                            f"stopped at {MAX_AUTO_BLOCKS} blocks with the interval still wider than "
                            f"+-{target:.1%}: a change near the threshold may read as unchanged"
                        )
                    break
            block += 1
            pattern = block_patterns(1, rng)[0]
            for position, name in enumerate(pattern, start=1):
                figures = measure(name)
                if figures.get(figure) is None:
                    raise EnvironmentProblem(
                        f"figure {figure!r} is not measured by side {name} ({run.sides[name].describe()})"
                    )
                run.rounds.append(Round(name, block, position, len(run.rounds) + 1, pattern, now(), figures))
            run.seconds = time.perf_counter() - started
            if progress:
                progress(run)
            if blocks is None and block == PILOT_BLOCKS:
                run.pilot_noise = block_noise(run.blocks())
                forecast = blocks_for_noise(
                    run.pilot_noise, detect, threshold=threshold, confidence=confidence
                )
                run.blocks_planned = forecast
                if log:
                    log(
                        f"pilot: block differences vary by {run.pilot_noise:.1%}; about {forecast} blocks "
                        f"({2 * forecast} rounds per side) resolve {detect:.0%}; measuring until the "
                        f"interval is within +-{target:.1%}"
                    )
                if forecast > MAX_AUTO_BLOCKS:
                    raise EnvironmentProblem(
                        f"A/B needs more than {MAX_AUTO_BLOCKS} blocks at {run.pilot_noise:.1%} "
                        "block-to-block noise: this machine is too noisy for a verdict "
                        "(pass --rounds to measure anyway)"
                    )
    except SideFailed as exc:
        run.error = run.stopped = str(exc)
    finally:
        for worker in workers.values():
            worker.close()
        run.finished = now()
        run.seconds = time.perf_counter() - started
    return run
