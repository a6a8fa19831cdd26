"""Raw samples kept as measured; statistics computed lazily, on first use. Pure Python (no torch)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from functools import cached_property

from vlmhyperbench.errors import UsageError


def check_rounds(rounds: int, warmup: int, new_tokens: int = 1) -> None:
    """The one check of a measurement's shape (bench, the sweep, measure_rounds): a UsageError naming it."""
    if rounds < 1 or warmup < 0 or new_tokens < 1:
        raise UsageError(
            f"need rounds >= 1, warmup >= 0 and new tokens >= 1, "
            f"got rounds={rounds}, warmup={warmup}, new tokens={new_tokens}"
        )


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, as numpy's default (and vLLM's reports)."""
    data = sorted(values)
    if not data:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be within 0..100, got {q}")
    pos = (len(data) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


class Samples:
    """One figure's raw samples (one per round) and their statistics; `fields` drives `as_dict`."""

    fields = ("count", "mean", "median", "stdev", "min", "max", "p50", "p90", "p99")

    def __init__(self, values: Iterable[float]) -> None:
        self.values: list[float] = [float(v) for v in values]
        if not self.values:
            raise ValueError("Samples needs at least one value")

    @property
    def count(self) -> int:
        return len(self.values)

    @cached_property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @cached_property
    def median(self) -> float:
        return statistics.median(self.values)

    @cached_property
    def stdev(self) -> float:
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0

    @cached_property
    def min(self) -> float:
        return min(self.values)

    @cached_property
    def max(self) -> float:
        return max(self.values)

    @cached_property
    def p50(self) -> float:
        return percentile(self.values, 50)

    @cached_property
    def p90(self) -> float:
        return percentile(self.values, 90)

    @cached_property
    def p99(self) -> float:
        return percentile(self.values, 99)

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.fields}

    def __repr__(self) -> str:
        return f"Samples(count={self.count}, mean={self.mean:.6g})"
