"""Load shapes: when each request of a case is sent (burstiness, ramp-up), and how closely that was kept.

    shape = LoadShape(rate=4.0, burstiness=0.5)         # gamma gaps, shape 0.5, mean 1/4 s
    shape = LoadShape(ramp="linear", ramp_start=1.0, ramp_end=8.0)
    offsets = shape.offsets(64, seed=0)                 # seconds from the start, one per request

The gap before request i+1 is gamma-distributed with shape B (`burstiness`) and mean 1/r_i, as in
`vllm bench serve --burstiness`: B = 1 is Poisson (exponential gaps, coefficient of variation 1), B < 1
burstier (CV = 1/sqrt(B) > 1), B > 1 steadier, B -> inf a fixed interval. With a ramp-up, r_i moves
from `ramp_start` to `ramp_end` over the run, linearly or geometrically in the request's position
i / (n - 1). Everything is drawn from `random.Random(seed)`: the same seed gives the same schedule on
every machine, and B = 1 without a ramp gives exactly the Poisson schedule of `schedule.arrival_offsets`.

`send_report` compares the planned offsets with the recorded send times: how late each request left
(a concurrency cap, or a client too slow for the rate, holds sends back) and the achieved send rate.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from vlmhyperbench.errors import UsageError


def rate_label(rate: float) -> str:
    """A request rate as case names and tables show it: `inf`, `4`, `0.5`."""
    return "inf" if math.isinf(rate) else f"{rate:g}"


RAMPS = ("linear", "exponential")
# `--strict-rate`: a case whose achieved send rate is more than this share below the planned one fell behind.
STRICT_RATE_TOLERANCE = 0.05


@dataclass(frozen=True)
class LoadShape:
    """How a case's requests are spread in time: a constant rate (inf: all at once) or a ramp."""

    rate: float = math.inf
    burstiness: float = 1.0
    ramp: str | None = None
    ramp_start: float | None = None
    ramp_end: float | None = None

    def __post_init__(self) -> None:
        if not self.burstiness > 0 or math.isinf(self.burstiness):
            raise UsageError(f"--burstiness must be a positive number, got {self.burstiness}")
        if not self.rate > 0:
            raise UsageError(f"--request-rate must be positive (or inf), got {self.rate}")
        if self.ramp is None:
            if self.ramp_start is not None or self.ramp_end is not None:
                raise UsageError("--ramp-up-start/--ramp-up-end need --ramp-up linear|exponential")
            return
        if self.ramp not in RAMPS:
            raise UsageError(f"--ramp-up {self.ramp!r}: use one of {', '.join(RAMPS)}")
        if self.ramp_start is None or self.ramp_end is None:
            raise UsageError(f"--ramp-up {self.ramp} needs --ramp-up-start and --ramp-up-end (requests/s)")
        for name, value in (("start", self.ramp_start), ("end", self.ramp_end)):
            if not 0 < value < math.inf:
                raise UsageError(f"--ramp-up-{name} must be a positive, finite rate, got {value}")

    @property
    def label(self) -> str:
        """What names the case: `r4`, `r4-b0.5`, `ramp-linear-1-8` (burstiness 1 is not named)."""
        burst = "" if self.burstiness == 1 else f"-b{self.burstiness:g}"
        if self.ramp is not None:
            return f"ramp-{self.ramp}-{self.ramp_start:g}-{self.ramp_end:g}{burst}"
        return f"r{rate_label(self.rate)}{burst}"

    def rate_at(self, i: int, n: int) -> float:
        """The planned rate for the gap after request i of n (the constant rate without a ramp)."""
        if self.ramp is None or self.ramp_start is None or self.ramp_end is None:
            return self.rate
        progress = i / max(n - 1, 1)
        if self.ramp == "linear":
            return self.ramp_start + (self.ramp_end - self.ramp_start) * progress
        return float(self.ramp_start * (self.ramp_end / self.ramp_start) ** progress)

    def offsets(self, n: int, seed: int = 0) -> list[float]:
        """Seconds from the start at which each of `n` requests is sent; the first at 0."""
        if n < 1:
            raise UsageError(f"need at least one request, got {n}")
        rng = random.Random(seed)
        offsets, t = [], 0.0
        for i in range(n):
            offsets.append(t)
            rate = self.rate_at(i, n)
            if math.isinf(rate):
                continue
            if self.burstiness == 1:  # the Poisson draw `schedule.arrival_offsets` has always made
                t += rng.expovariate(rate)
            else:  # shape B, scale 1/(rate B): mean 1/rate
                t += rng.gammavariate(self.burstiness, 1.0 / (rate * self.burstiness))
        return offsets

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate": rate_label(self.rate),
            "burstiness": self.burstiness,
            "ramp": self.ramp,
            "ramp_start": self.ramp_start,
            "ramp_end": self.ramp_end,
        }


def coefficient_of_variation(offsets: Sequence[float]) -> float | None:
    """Stdev over mean of the gaps between consecutive offsets (1 for Poisson); None below 3 requests."""
    gaps = [b - a for a, b in pairwise(offsets)]
    if len(gaps) < 2 or statistics.fmean(gaps) <= 0:
        return None
    return statistics.stdev(gaps) / statistics.fmean(gaps)


def send_rate(offsets: Sequence[float]) -> float | None:
    """Requests per second between the first and the last send: (n - 1) / span; None if all at once."""
    span = max(offsets) - min(offsets) if offsets else 0.0
    return (len(offsets) - 1) / span if span > 0 else None


def send_report(planned: Sequence[float], sent: Sequence[float]) -> dict[str, Any]:
    """How the sends kept the plan: lag per request (sent - planned), planned and achieved send rates, the
    shortfall (1 - achieved / planned; positive: behind), and the gaps' coefficient of variation."""
    if len(planned) != len(sent) or not planned:
        raise ValueError("send_report needs one send time per planned offset")
    lags = [s - p for p, s in zip(planned, sent, strict=True)]
    planned_rate, achieved_rate = send_rate(planned), send_rate(sorted(sent))
    shortfall = None
    if planned_rate is not None and achieved_rate is not None:
        shortfall = 1.0 - achieved_rate / planned_rate
    return {
        "planned_send_rate": planned_rate,
        "achieved_send_rate": achieved_rate,
        "send_rate_shortfall": shortfall,
        "send_lag_s_median": statistics.median(lags),
        "send_lag_s_max": max(lags),
        "send_gap_cv": coefficient_of_variation(sorted(sent)),
        "planned_gap_cv": coefficient_of_variation(planned),
    }


def fell_behind(report: dict[str, Any], tolerance: float = STRICT_RATE_TOLERANCE) -> bool:
    """Whether the achieved send rate was more than `tolerance` below the planned one (`--strict-rate`)."""
    shortfall = report.get("send_rate_shortfall")
    return shortfall is not None and shortfall > tolerance
