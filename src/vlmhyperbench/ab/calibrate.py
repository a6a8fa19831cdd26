"""How often `ab` raises a false alarm, and how often it catches a slowdown, across processes.

    vlmhyperbench ab calibrate . /path/to/another/venv --repeats 20 --rounds auto

The extension of `vlmhyperbench compare calibrate` (`compare/calibrate.py`) to A/B: worker processes in two
environments (the same revision installed twice is the honest test: the same code, two interpreters, two
allocators, two sets of files), one model each. Three arms per block, each its own worker process:

    A   a worker of side A
    A'  a worker of side B, unchanged: A vs A' is the false-alarm test (same code, other environment)
    S   another worker of side B, with the test-only hook `VLMHYPERBENCH_TEST_SLOWDOWN` set to
        `--slowdown` for its rounds: A vs S is the detection test

Every repetition starts its three worker processes afresh (load, then warm-up rounds), as every `ab` run
starts its own: a process keeps a speed offset of its own for its lifetime (measured on 2 cores, A/A'
medians over 10 repetitions sharing one pair of processes: -4.3 %, -1.0 % and +0.1 % between two
identical wheel builds, -1.2 % for one venv against itself), so repetitions that shared processes were
one draw of that offset repeated, not independent runs (a CI run saw +2.6 % and 3/20 false alarms).

One process per arm, as `ab` has one per side: every process then runs a third of the time. With S and A'
sharing a process, that process ran twice as often as A's, and on a busy machine the scheduler favours the
one that slept more (CFS credits sleepers): A' measured ~10 % slower than A with the same code.

A block is a random order of the three arms followed by its mirror image (`A S A' A' S A`), so every arm
has one early and one late slot and a linear drift cancels in every pair, as in `ab`'s ABBA blocks. Each
repetition judges A vs A' and A vs S exactly as `ab` judges its row (`ab.stats.paired_block_ratio`, then
`compare.judge`).

`--sequential` also measures what `compare` of two runs made one after the other sees on the same pair of
workers: all of A's rounds, then all of A''s, judged by `compare`'s unpaired Hodges-Lehmann interval; its
false alarms are the drift between runs that `ab` is built to cancel.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vlmhyperbench.ab.driver import MIN_AUTO_BLOCKS, PILOT_BLOCKS, WorkerProcess, blocks_for_noise
from vlmhyperbench.ab.sides import Side
from vlmhyperbench.ab.stats import block_noise, paired_block_ratio, precise_enough, target_half_width
from vlmhyperbench.compare.calibrate import MAX_FALSE_ALARM_RATE, MIN_DETECTION_RATE, GateRates
from vlmhyperbench.compare.comparison import DEFAULT_CONFIDENCE, DEFAULT_THRESHOLD, judge
from vlmhyperbench.compare.stats import hodges_lehmann_ratio
from vlmhyperbench.errors import EnvironmentProblem, UsageError
from vlmhyperbench.figures import DEFAULT_FIGURE, get_figure

ARMS = ("A", "A'", "S")
MAX_AUTO_BLOCKS = 60  # a calibration repeats the run: above this it would take hours on a tiny preset


@dataclass
class ABCalibration(GateRates):
    sides: list[str]
    figure: str
    repeats: int
    blocks: int  # per repetition when fixed (0: auto, `blocks_used`); each arm has 2 rounds per block
    slowdown: float
    threshold: float
    confidence: float
    false_alarms: int = 0
    detections: int = 0
    aa_regressions: list[float] = field(default_factory=list)
    slowed_regressions: list[float] = field(default_factory=list)
    noise: list[float] = field(default_factory=list)  # spread of A vs A' block differences, per repetition
    blocks_used: list[int] = field(default_factory=list)  # per repetition: where both comparisons stopped
    sequential_repeats: int = 0
    sequential_false_alarms: int = 0
    sequential_regressions: list[float] = field(default_factory=list)
    rounds_measured: int = 0
    seconds: float = 0.0
    pilot_noise: float | None = None
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    # per repetition, the process id of each arm's worker: every repetition has fresh processes
    worker_pids: list[dict[str, int]] = field(default_factory=list)

    DERIVED = (*GateRates.DERIVED, "sequential_false_alarm_rate")

    @property
    def sequential_false_alarm_rate(self) -> float | None:
        return self.sequential_false_alarms / self.sequential_repeats if self.sequential_repeats else None

    def summary(self) -> str:
        lines = [
            f"A/B calibration, figure {self.figure}: {self.repeats} repetitions x {self.blocks_text()} "
            f"(2 rounds per arm a block), threshold {self.threshold:.0%}, {self.confidence:.0%} "
            f"intervals; {self.rounds_measured} rounds in {self.seconds:.0f} s",
            f"  A = {self.sides[0]}",
            f"  A' and S = {self.sides[1]}",
            f"A/A' false alarms: {self.false_alarms}/{self.repeats} = {self.false_alarm_rate:.1%} "
            f"(target <= {MAX_FALSE_ALARM_RATE:.0%}); median estimated change "
            f"{median(self.aa_regressions):+.1%}",
            f"{self.slowdown:.0%} slowdown caught: {self.detections}/{self.repeats} = "
            f"{self.detection_rate:.1%} "
            f"(target >= {MIN_DETECTION_RATE:.0%}); median estimated regression "
            f"{median(self.slowed_regressions):+.1%}",
            f"block-to-block noise (A vs A'): {median(self.noise):.1%}",
        ]
        if self.sequential_repeats:
            lines.append(
                f"sequential runs judged by `compare`: false alarms {self.sequential_false_alarms}/"
                f"{self.sequential_repeats} = {self.sequential_false_alarm_rate:.1%}; median change "
                f"{median(self.sequential_regressions):+.1%}"
            )
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)

    def blocks_text(self) -> str:
        if self.blocks or not self.blocks_used:
            return f"{self.blocks} blocks"
        used = sorted(self.blocks_used)
        return f"{used[0]}-{used[-1]} blocks (median {median([float(b) for b in used]):.0f}, until precise)"


def median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def mirrored_block(rng: np.random.Generator) -> list[str]:
    """A random order of the three arms followed by its reverse: each arm early once and late once."""
    order = [ARMS[int(i)] for i in rng.permutation(len(ARMS))]
    return [*order, *reversed(order)]


def calibrate_ab(
    side_a: Side,
    side_b: Side,
    repeats: int = 20,
    blocks: int | None = None,
    slowdown: float = 0.10,
    figure: str = DEFAULT_FIGURE,
    threshold: float = DEFAULT_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    sequential: bool = False,
    warmup: int = 3,
    seed: int = 0,
    progress: Callable[[int, ABCalibration], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> ABCalibration:
    """Run the calibration (module docstring).

    `blocks=None` measures each repetition as `ab --rounds auto` does: each comparison stops at the first
    block count (>= MIN_AUTO_BLOCKS) where its interval is narrow enough, and is judged on those blocks. A
    pilot of PILOT_BLOCKS blocks first refuses a machine too noisy to finish within MAX_AUTO_BLOCKS.
    """
    if repeats < 1 or (blocks is not None and blocks < 6):
        raise UsageError(f"need repeats >= 1 and blocks >= 6 (a 95 % interval), got {repeats} and {blocks}")
    spec = get_figure(figure)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    sides = {"A": side_a, "A'": side_b, "S": side_b}
    workers: dict[str, WorkerProcess] = {}
    result = ABCalibration(
        [side_a.describe(), side_b.describe()],
        spec.name,
        repeats,
        blocks or 0,
        slowdown,
        threshold,
        confidence,
    )

    def measure(arm: str) -> float:
        figures = workers[arm].measure(slowdown if arm == "S" else 0.0, f"a calibration round ({arm})")
        value = figures.get(spec.name)
        if value is None:
            raise EnvironmentProblem(f"figure {spec.name!r} is not measured on this device")
        result.rounds_measured += 1
        return float(value)

    def measure_block() -> tuple[tuple[list[float], list[float]], tuple[list[float], list[float]]]:
        arms: dict[str, list[float]] = {arm: [] for arm in ARMS}
        for arm in mirrored_block(rng):
            arms[arm].append(measure(arm))
        return (arms["A"], arms["A'"]), (arms["A"], arms["S"])

    def close_workers() -> None:
        for worker in workers.values():
            worker.close()
        workers.clear()

    def start_workers() -> None:
        """Fresh processes for every arm, loaded and warmed up: each repetition is a run of its own."""
        close_workers()
        for arm, side in sides.items():
            workers[arm] = WorkerProcess(side)
            reply = workers[arm].load(900.0)
            result.environments.setdefault("A" if arm == "A" else "B", reply["environment"])
        for _ in range(warmup):
            for arm in ARMS:
                measure(arm)

    try:
        target = target_half_width(slowdown, threshold, confidence)
        if blocks is None:
            start_workers()
            pilot = [measure_block()[0] for _ in range(PILOT_BLOCKS)]
            result.pilot_noise = block_noise(pilot)
            forecast = blocks_for_noise(
                result.pilot_noise, slowdown, threshold=threshold, confidence=confidence
            )
            if log:
                log(
                    f"pilot: A vs A' block differences vary by {result.pilot_noise:.1%}; about {forecast} "
                    f"blocks per repetition; each comparison stops when its interval is within +-{target:.1%}"
                )
            if forecast > MAX_AUTO_BLOCKS:
                raise EnvironmentProblem(
                    f"calibration needs more than {MAX_AUTO_BLOCKS} blocks per repetition at "
                    f"{result.pilot_noise:.1%} block noise: this machine is too noisy to calibrate on"
                )
        for repetition in range(repeats):
            if repetition or blocks is not None:  # the pilot's workers serve the first repetition
                start_workers()
            result.worker_pids.append({arm: worker.process.pid for arm, worker in workers.items()})
            aa: list[tuple[list[float], list[float]]] = []
            aslow: list[tuple[list[float], list[float]]] = []
            judged: dict[str, int] = {}  # comparison -> the block count `ab` would have stopped at
            while len(judged) < 2:
                pair_aa, pair_slow = measure_block()
                aa.append(pair_aa)
                aslow.append(pair_slow)
                for name, pairs in (("aa", aa), ("slow", aslow)):
                    if name in judged:
                        continue
                    if blocks is not None:
                        done = len(pairs) >= blocks
                    else:  # as `ab --rounds auto` stops (`ab.driver.run_ab`)
                        done = len(pairs) >= MAX_AUTO_BLOCKS or precise_enough(
                            pairs, target, confidence, MIN_AUTO_BLOCKS
                        )
                    if done:
                        judged[name] = len(pairs)
            aa, aslow = aa[: judged["aa"]], aslow[: judged["slow"]]
            result.blocks_used.append(max(judged.values()))
            result.noise.append(block_noise(aa))
            _, regression, failed = judge(paired_block_ratio(aa, confidence), spec, threshold)
            result.false_alarms += failed
            result.aa_regressions.append(regression)
            _, regression, failed = judge(paired_block_ratio(aslow, confidence), spec, threshold)
            result.detections += failed
            result.slowed_regressions.append(regression)
            if sequential:  # two "runs" one after the other, judged as `compare` judges them
                first = [measure("A") for _ in range(2 * len(aa))]  # as many rounds as `ab` took
                second = [measure("A'") for _ in range(2 * len(aa))]
                _, regression, failed = judge(
                    hodges_lehmann_ratio(first, second, confidence), spec, threshold
                )
                result.sequential_repeats += 1
                result.sequential_false_alarms += failed
                result.sequential_regressions.append(regression)
            result.seconds = time.perf_counter() - started
            if progress:
                progress(repetition + 1, result)
    finally:
        close_workers()
        result.seconds = time.perf_counter() - started
    return result
