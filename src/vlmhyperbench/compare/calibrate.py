"""Measure how often the comparison raises a false alarm (A/A) and how often it catches a slowdown.

    vlmhyperbench compare calibrate --repeats 40 --rounds 8

On a tiny preset (CPU is fine), each repetition measures three arms, round by round in a random order:
A and A' (the same model, the same inputs) and S, with the test-only hook `VLMHYPERBENCH_TEST_SLOWDOWN`
making every generate `--slowdown` longer. A vs A' is judged exactly as `vlmhyperbench compare`
judges a row (`compare.judge`); a *false alarm* is a gate failure there. S vs A counts as *detected* when the
gate fails. The targets: at most 5 % false alarms, at least 95 % detections of a 10 % slowdown.

Rounds of the three arms are interleaved so that whatever else the machine does hits all arms alike: the
statistics assume exchangeable rounds, and this is how to give them that. Needs torch (it measures); the rest
of `vlmhyperbench.compare` does not.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
from scipy import stats as _scipy_stats

from vlmhyperbench.compare.comparison import DEFAULT_CONFIDENCE, DEFAULT_THRESHOLD, Verdict, judge
from vlmhyperbench.compare.stats import hodges_lehmann_ratio
from vlmhyperbench.errors import EnvironmentProblem, UsageError
from vlmhyperbench.figures import DEFAULT_FIGURE, get_figure

MAX_FALSE_ALARM_RATE = 0.05
MIN_DETECTION_RATE = 0.95
PROMPT = "Read the text in this document."
SE_FACTOR = 1.5  # standard error of the estimate / (noise * sqrt(2 / rounds)); see `quiet_enough`
MAX_AUTO_ROUNDS = 150  # `--rounds auto` gives up above this (a machine too noisy to calibrate on)
PILOT_REPEATS, PILOT_ROUNDS = 3, 12
MIN_AUTO_ROUNDS = 30  # the spread of a short pilot is underestimated: never trust it below this


def pilot_noise(result: CalibrationResult) -> float:
    """The noise a pilot saw (median over its repetitions; MIN_AUTO_ROUNDS covers its underestimate)."""
    return result.round_noise


def auto_rounds(noise: float, slowdown: float = 0.10, **kwargs: float) -> int:
    """Rounds per arm for `--rounds auto`: `rounds_needed` for the pilot's noise, at least MIN_AUTO_ROUNDS."""
    return max(MIN_AUTO_ROUNDS, rounds_needed(noise, slowdown, **kwargs))


def target_standard_error(
    slowdown: float = 0.10,
    threshold: float = DEFAULT_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    power: float = 0.99,
) -> float:
    """The largest standard error (log scale) at which `slowdown` is caught with `power`: the estimate must
    clear the threshold and its interval must exclude 1, each with probability `power`.

    99 % rather than 95 % so that "at least 95 % of repetitions caught" holds with room to spare. It sizes a
    run in advance (`rounds_needed`) and decides when an A/B run has measured enough (`ab.driver`).
    """
    z = float(_scipy_stats.norm.ppf(0.5 + confidence / 2))
    z_power = float(_scipy_stats.norm.ppf(power))
    se_max = min((slowdown - threshold) / z_power, slowdown / (z + z_power))
    if se_max <= 0:
        raise UsageError(f"a {slowdown:.0%} slowdown cannot clear a {threshold:.0%} threshold")
    return se_max


def rounds_needed(
    noise: float,
    slowdown: float = 0.10,
    threshold: float = DEFAULT_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    power: float = 0.99,
) -> int:
    """Fewest rounds per arm that resolve `slowdown` with `power` at this round-to-round noise.

    The inverse of `CalibrationResult.quiet_enough` (same normal approximation, same SE_FACTOR).
    """
    se_max = target_standard_error(slowdown, threshold, confidence, power)
    return max(2, math.ceil(2.0 * (SE_FACTOR * noise / se_max) ** 2))


class GateRates:
    """What every calibration reports: false alarms and detections over its repetitions, the targets they
    are held to, and the JSON with the derived rates (`DERIVED`) next to the counts."""

    repeats: int
    false_alarms: int
    detections: int
    DERIVED: ClassVar[tuple[str, ...]] = ("false_alarm_rate", "detection_rate", "passed")

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.repeats

    @property
    def detection_rate(self) -> float:
        return self.detections / self.repeats

    @property
    def passed(self) -> bool:
        return self.false_alarm_rate <= MAX_FALSE_ALARM_RATE and self.detection_rate >= MIN_DETECTION_RATE

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = asdict(self)  # type: ignore[call-overload]  # subclasses are dataclasses
        data.update({name: getattr(self, name) for name in self.DERIVED})
        return data


@dataclass
class CalibrationResult(GateRates):
    preset: str
    figure: str
    repeats: int
    rounds: int
    slowdown: float
    threshold: float
    confidence: float
    new_tokens: int
    false_alarms: int = 0  # A/A repetitions that failed the gate
    detections: int = 0  # slowed repetitions that failed the gate
    aa_significant_worse: int = 0  # A/A: significantly worse at any size (the raw one-sided error rate)
    aa_regressions: list[float] = field(default_factory=list)  # estimated regression per A/A repetition
    slowed_regressions: list[float] = field(default_factory=list)
    noise: list[float] = field(default_factory=list)  # robust spread (IQR / 1.349) of log rounds, arm A
    seconds: float = 0.0
    environment: dict[str, Any] = field(default_factory=dict)

    DERIVED = (*GateRates.DERIVED, "round_noise", "quiet_enough")

    @property
    def round_noise(self) -> float:
        """Typical relative spread of one round on this machine (median over repetitions)."""
        return float(np.median(self.noise)) if self.noise else float("nan")

    @property
    def quiet_enough(self) -> bool:
        """Whether `rounds` rounds of this noise can resolve `slowdown` (>= 95 % power, normal approx.).

        The interval must exclude 1 and the estimate clear the threshold. Asymptotically the Hodges-Lehmann
        estimate of a shift has standard error ~1.05 * noise * sqrt(2 / rounds); we use 1.5 instead of 1.05
        because the spread of a few rounds is underestimated and the exact interval is conservative (measured
        here: 8 rounds at 6 % noise caught 50 %, 30 rounds at 10 % caught 95 %). On a machine shared with
        other heavy processes a round can vary by 20-40 %: no statistic resolves 10 % from 8 rounds there.
        """
        z = float(_scipy_stats.norm.ppf(0.5 + self.confidence / 2))
        se = SE_FACTOR * self.round_noise * (2.0 / self.rounds) ** 0.5
        return bool(self.slowdown - self.threshold >= 1.645 * se and self.slowdown >= (z + 1.645) * se)

    def summary(self) -> str:
        median_aa = float(np.median(self.aa_regressions)) if self.aa_regressions else float("nan")
        median_slow = float(np.median(self.slowed_regressions)) if self.slowed_regressions else float("nan")
        return "\n".join(
            [
                f"calibration on dummy:{self.preset}, figure {self.figure}, {self.repeats} repetitions x "
                f"{self.rounds} rounds per arm, {self.new_tokens} new tokens, threshold "
                f"{self.threshold:.0%}, {self.confidence:.0%} intervals ({self.seconds:.0f} s)",
                f"A/A false alarms:       {self.false_alarms}/{self.repeats} = {self.false_alarm_rate:.1%} "
                f"(target <= {MAX_FALSE_ALARM_RATE:.0%}); significantly worse at any size: "
                f"{self.aa_significant_worse}/{self.repeats}; median estimated change {median_aa:+.1%}",
                f"{self.slowdown:.0%} slowdown caught: {self.detections}/{self.repeats} = "
                f"{self.detection_rate:.1%} (target >= {MIN_DETECTION_RATE:.0%}); median estimated "
                f"regression {median_slow:+.1%}",
                f"round-to-round noise: {self.round_noise:.1%} (robust spread of one round); "
                + (
                    f"enough to resolve {self.slowdown:.0%} with {self.rounds} rounds"
                    if self.quiet_enough
                    else f"too noisy to resolve {self.slowdown:.0%} in {self.rounds} rounds: use more "
                    "rounds or a quieter machine"
                ),
                "PASSED" if self.passed else "FAILED",
            ]
        )


def run_calibration(
    preset: str = "tiny-llava",
    repeats: int = 40,
    rounds: int = 8,
    slowdown: float = 0.10,
    new_tokens: int = 8,
    figure: str = DEFAULT_FIGURE,
    threshold: float = DEFAULT_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
    threads: int | None = 1,
    progress: Callable[[int, CalibrationResult], None] | None = None,
) -> CalibrationResult:
    """Measure A, A' and S rounds on `dummy:<preset>` and count gate failures (see the module docstring).

    `threads=1` pins torch to one intra-op thread: on a shared CPU, several threads contend with other
    processes and make every round slower and noisier.
    """
    if repeats < 1 or rounds < 1:
        raise UsageError(f"need repeats >= 1 and rounds >= 1, got {repeats} and {rounds}")
    spec = get_figure(figure)
    import torch
    from PIL import Image

    from vlmhyperbench.env.info import collect_environment
    from vlmhyperbench.models import load_vlm
    from vlmhyperbench.perf import SLOWDOWN_ENV_VAR, measure_generation

    if threads:
        torch.set_num_threads(threads)
    started = time.perf_counter()
    loaded = load_vlm(f"dummy:{preset}", device="auto", dtype="auto", seed=seed)
    image = Image.new("RGB", (256, 256), "white")
    inputs = loaded.build_inputs([image], [PROMPT])
    result = CalibrationResult(
        preset, spec.name, repeats, rounds, slowdown, threshold, confidence, new_tokens,
        environment=collect_environment(),
    )  # fmt: skip
    saved = os.environ.pop(SLOWDOWN_ENV_VAR, None)
    rng = np.random.default_rng(seed)

    def measure(slowed: bool) -> float:
        if slowed:
            os.environ[SLOWDOWN_ENV_VAR] = str(slowdown)
        try:
            m = measure_generation(loaded, [image], [PROMPT], new_tokens, fixed_length=True, inputs=inputs)
        finally:
            os.environ.pop(SLOWDOWN_ENV_VAR, None)
        value = getattr(m, spec.name)
        if value is None:
            raise UsageError(f"figure {spec.name!r} is not measured on {loaded.device}")
        return float(value)

    try:
        for _ in range(3):  # warm-up: first calls allocate and compile
            measure(False)
        for repetition in range(repeats):
            arms: dict[str, list[float]] = {"A": [], "A'": [], "S": []}
            for _ in range(rounds):
                for arm in rng.permutation(list(arms)):
                    arms[str(arm)].append(measure(arm == "S"))
            logs = np.log(arms["A"])
            result.noise.append(float(np.subtract(*np.percentile(logs, [75, 25])) / 1.349))
            aa = hodges_lehmann_ratio(arms["A"], arms["A'"], confidence)
            verdict, regression, failed = judge(aa, spec, threshold)
            result.false_alarms += failed
            result.aa_significant_worse += verdict is Verdict.WORSE
            result.aa_regressions.append(regression)
            slowed = hodges_lehmann_ratio(arms["A"], arms["S"], confidence)
            _, regression, failed = judge(slowed, spec, threshold)
            result.detections += failed
            result.slowed_regressions.append(regression)
            result.seconds = time.perf_counter() - started
            if progress:
                progress(repetition + 1, result)
    finally:
        if saved is not None:
            os.environ[SLOWDOWN_ENV_VAR] = saved
    return result


def calibrate(
    rounds: int | None = None,
    on_pilot: Callable[[float, int], None] | None = None,
    **settings: Any,
) -> CalibrationResult:
    """`run_calibration`, with `rounds=None` meaning "auto": a pilot measures this machine's noise first and
    `auto_rounds` takes the rounds that resolve the slowdown; `on_pilot(noise, rounds)` reports the choice.
    A machine that needs more than MAX_AUTO_ROUNDS is refused rather than measured for an hour.
    """
    if rounds is None:
        pilot = {k: v for k, v in settings.items() if k not in ("repeats", "progress")}
        noise = pilot_noise(run_calibration(repeats=PILOT_REPEATS, rounds=PILOT_ROUNDS, **pilot))
        rounds = auto_rounds(
            noise,
            settings.get("slowdown", 0.10),
            threshold=settings.get("threshold", DEFAULT_THRESHOLD),
            confidence=settings.get("confidence", DEFAULT_CONFIDENCE),
        )
        if on_pilot:
            on_pilot(noise, rounds)
        if rounds > MAX_AUTO_ROUNDS:
            raise EnvironmentProblem(
                f"calibration needs more than {MAX_AUTO_ROUNDS} rounds per arm at {noise:.1%} round-to-round "
                "noise: this machine is too noisy to calibrate on"
            )
    return run_calibration(rounds=rounds, **settings)
