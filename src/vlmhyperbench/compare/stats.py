"""Ratio of two sets of per-round figures with a confidence interval: Hodges-Lehmann on the log scale.

Why this and not a bootstrap of the ratio of means:

- **Few rounds.** A bench run has 5-20 rounds per benchmark. A percentile bootstrap of 5-10 values
  under-covers (its intervals are too narrow, so an A/A comparison alarms more often than the nominal rate);
  the Mann-Whitney interval below has its coverage guaranteed by an exact distribution at any sample size.
- **Outliers.** Timing rounds have a long right tail (a GC pause, a noisy neighbour, a clock change). The mean
  follows one such round; the Hodges-Lehmann estimate (median of all pairwise differences) does not.
- **Deterministic.** No resampling, no seed: the same two files always give the same verdict.

The model is a multiplicative shift: current = ratio x baseline (up to noise). On the log scale that is a
location shift, so the estimate is exp(median over pairs of log(current_j) - log(baseline_i)), and the
interval is [D_(k), D_(mn+1-k)] of the sorted pairwise log differences, with k from the exact null
distribution of the Mann-Whitney U statistic (normal approximation once m*n > 10 000). Rounds are assumed
independent and, within a side, exchangeable. With fewer than 4 rounds per side no 95 % interval exists and
the verdict is "no significant change". A figure that does not vary within either side (peak memory, token
counts) is deterministic: any difference between the sides is then significant, and the interval is the
ratio itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as _scipy_stats

from vlmhyperbench.errors import UsageError

EXACT_LIMIT = 10_000  # largest m*n for which the exact U distribution is computed


@dataclass(frozen=True)
class RatioEstimate:
    """current / baseline: point estimate, confidence interval, two-sided p-value."""

    ratio: float
    low: float
    high: float
    p_value: float
    confidence: float
    n_baseline: int
    n_current: int
    method: str
    note: str = ""

    @property
    def significant(self) -> bool:
        """The interval excludes 1 (no change)."""
        return self.low > 1.0 or self.high < 1.0


@lru_cache(maxsize=256)
def _u_counts(m: int, n: int) -> tuple[int, ...]:
    """Number of arrangements giving each value of the Mann-Whitney U (0..m*n), sizes m and n, no ties.

    The coefficients of the Gaussian binomial [m+n choose m]_q = prod_{i=1..m} (1-q^(n+i)) / (1-q^i),
    built with exact integers.
    """
    m, n = min(m, n), max(m, n)
    poly = [1]
    for i in range(1, m + 1):
        shift = n + i
        grown = [*poly, *([0] * shift)]
        for k, c in enumerate(poly):  # multiply by (1 - q^(n+i))
            grown[k + shift] -= c
        for k in range(i, len(grown)):  # divide by (1 - q^i)
            grown[k] += grown[k - i]
        poly = grown[: i * n + 1]
    return tuple(poly)


def rank_interval_index(m: int, n: int, confidence: float) -> int:
    """k such that [D_(k), D_(mn+1-k)] (1-based order statistics) covers the shift with >= `confidence`.

    0 means no interval reaches that confidence with these sample sizes.
    """
    alpha_half = (1.0 - confidence) / 2.0
    if m * n <= EXACT_LIMIT:
        counts = _u_counts(m, n)
        total = math.comb(m + n, m)
        cumulative = 0
        k = 0
        for c in counts:  # P(U <= k) <= alpha/2, counting in integers
            cumulative += c
            if cumulative * 1.0 / total > alpha_half:
                break
            k += 1
        return k
    z = float(_scipy_stats.norm.ppf(1.0 - alpha_half))
    mean = m * n / 2.0
    sd = math.sqrt(m * n * (m + n + 1) / 12.0)
    return max(0, math.floor(mean - z * sd))


def _clean(values: Sequence[float], side: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{side}: no rounds")
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise ValueError(f"{side}: a ratio needs finite, positive values (got {array.tolist()})")
    return array


def hodges_lehmann_ratio(
    baseline: Sequence[float], current: Sequence[float], confidence: float = 0.95
) -> RatioEstimate:
    """current / baseline with a Hodges-Lehmann / Mann-Whitney confidence interval (see module doc)."""
    if not 0.0 < confidence < 1.0:
        raise UsageError(f"confidence must be in (0, 1), got {confidence}")
    base = np.log(_clean(baseline, "baseline"))
    cur = np.log(_clean(current, "current"))
    m, n = base.size, cur.size

    if np.ptp(base) == 0.0 and np.ptp(cur) == 0.0:
        ratio = float(math.exp(cur[0] - base[0]))
        p = 1.0 if ratio == 1.0 else 0.0
        return RatioEstimate(ratio, ratio, ratio, p, confidence, m, n, "exact", "deterministic figure")

    diffs = np.sort((cur[None, :] - base[:, None]).ravel())
    ratio = float(math.exp(np.median(diffs)))
    k = rank_interval_index(m, n, confidence)
    if k == 0:
        note = f"too few rounds for a {confidence:.0%} interval ({m} vs {n}; need >= 4 each)"
        low, high = 0.0, math.inf
    else:
        note = ""
        low, high = float(math.exp(diffs[k - 1])), float(math.exp(diffs[m * n - k]))
    p = float(_scipy_stats.mannwhitneyu(cur, base, alternative="two-sided").pvalue)
    method = "exact" if m * n <= EXACT_LIMIT else "normal"
    return RatioEstimate(ratio, low, high, p, confidence, m, n, method, note)


# --- paired changes of per-question scores (the quality gate) -----------------------------------------

QUALITY_SEED = 20_240_601  # fixed: the same two runs always give the same interval and verdict
RESAMPLES = 9_999


@dataclass(frozen=True)
class PairedChange:
    """mean(current) - mean(baseline) over paired questions: interval, sign-flip p-value, sizes."""

    change: float
    low: float
    high: float
    p_value: float
    confidence: float
    n: int  # questions in the group
    n_changed: int  # questions whose score differs between the runs
    baseline_mean: float
    current_mean: float


def _mean_difference(baseline: np.ndarray, current: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(current, axis=axis) - np.mean(baseline, axis=axis)


def paired_change(
    baseline: ArrayLike,
    current: ArrayLike,
    confidence: float = 0.95,
    seed: int = QUALITY_SEED,
    resamples: int = RESAMPLES,
    interval: bool = True,
) -> PairedChange:
    """The change of a mean score between two runs that answered the same questions.

    p-value: the sign-flip permutation test (`scipy.stats.permutation_test`, `permutation_type="samples"`),
    exact (every flip enumerated) up to 2**n <= `resamples`. Interval: the paired bootstrap of the mean
    difference (`scipy.stats.bootstrap`, `paired=True`, BCa; percentile where BCa is undefined). Both seeded,
    both vectorised. `compare/quality.py` says why this pair. `interval=False` skips the bootstrap (the
    verdict does not use it; the false-alarm calibration runs thousands of these).
    """
    base = np.asarray(baseline, dtype=float)
    cur = np.asarray(current, dtype=float)
    if base.shape != cur.shape or base.ndim != 1 or base.size == 0:
        raise ValueError(f"paired scores need two equal, non-empty lists (got {base.size} and {cur.size})")
    if not (np.all(np.isfinite(base)) and np.all(np.isfinite(cur))):
        raise ValueError("paired scores must be finite")
    diffs = cur - base
    change = float(diffs.mean())
    n_changed = int(np.count_nonzero(diffs))
    means = float(base.mean()), float(cur.mean())
    if np.ptp(diffs) == 0.0:  # every question changed by the same amount (A/A: by nothing)
        p = 1.0 if change == 0.0 else 2.0 ** (1 - base.size)  # the observed flip and its mirror
        return PairedChange(change, change, change, min(1.0, p), confidence, base.size, n_changed, *means)
    rng = np.random.default_rng(seed)
    test = _scipy_stats.permutation_test(
        (base, cur),
        _mean_difference,
        permutation_type="samples",
        vectorized=True,
        n_resamples=resamples,
        alternative="two-sided",
        rng=rng,
    )
    low, high = (
        _bootstrap_interval(base, cur, confidence, rng, resamples) if interval else (math.nan, math.nan)
    )
    return PairedChange(change, low, high, float(test.pvalue), confidence, base.size, n_changed, *means)


def _bootstrap_interval(
    base: np.ndarray, cur: np.ndarray, confidence: float, rng: np.random.Generator, resamples: int
) -> tuple[float, float]:
    import warnings

    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BCa on a lumpy 0/1 sample: we fall back, not warn
            found = _scipy_stats.bootstrap(
                (base, cur),
                _mean_difference,
                paired=True,
                vectorized=True,
                n_resamples=resamples,
                confidence_level=confidence,
                method=method,
                rng=rng,
            ).confidence_interval
        if np.isfinite(found.low) and np.isfinite(found.high):
            return float(found.low), float(found.high)
    return math.nan, math.nan


def adjust_p_values(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (`scipy.stats.false_discovery_control`) over one gate's rows."""
    if not p_values:
        return []
    return [float(q) for q in _scipy_stats.false_discovery_control(np.asarray(p_values, dtype=float))]
