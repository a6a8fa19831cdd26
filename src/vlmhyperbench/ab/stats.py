"""B / A from interleaved blocks: Hodges-Lehmann on the per-block log ratios, Wilcoxon signed-rank interval.

Each block holds two rounds of each side in a balanced order (ABBA or BAAB, drawn at random). Its
difference is d = mean(log B rounds) - mean(log A rounds). Why this statistic:

- **Pairing by block cancels drift.** Whatever the machine does slowly (another job starting, thermal
  state, a cache warming) is nearly the same within a block of four consecutive rounds, and a linear trend
  across ABBA cancels exactly. The unpaired Hodges-Lehmann of `compare` (`compare/stats.py`) pools all
  rounds, so drift between the first and last round widens its interval or, between two runs, biases it.
- **Signed-rank rather than a paired t.** A burst from a neighbour process hits one block hard; the t
  interval follows that block's difference, the signed-rank interval (Walsh averages) does not. Its
  coverage is exact for any number of blocks when the differences are symmetric about the shift, which the
  random ABBA/BAAB choice gives under "no change" (both orders are equally likely, and swapping the sides
  flips the sign).
- **The same family as `compare`.** Hodges-Lehmann estimate, rank-based exact interval, reported as a
  `RatioEstimate`, so `compare.judge`, the gate threshold and the report treat it as any other row.

The interval is [W_(k), W_(N+1-k)] of the N = n(n+1)/2 sorted Walsh averages, k from the exact null
distribution of the signed-rank statistic (normal approximation above EXACT_LIMIT blocks). Fewer than 6
blocks give no 95 % interval: the verdict is then "no significant change".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import stats as _scipy_stats

from vlmhyperbench.compare.calibrate import target_standard_error
from vlmhyperbench.compare.comparison import PAIRED_BLOCKS_METHOD
from vlmhyperbench.compare.stats import RatioEstimate
from vlmhyperbench.errors import UsageError

EXACT_LIMIT = 400  # largest number of blocks for which the exact signed-rank distribution is counted
METHOD = PAIRED_BLOCKS_METHOD


@lru_cache(maxsize=64)
def _signed_rank_counts(n: int) -> tuple[int, ...]:
    """Number of sign patterns giving each signed-rank sum T+ = 0..n(n+1)/2 (ranks 1..n, no ties)."""
    counts = [1]
    for rank in range(1, n + 1):
        grown = [*counts, *([0] * rank)]
        for total, c in enumerate(counts):
            grown[total + rank] += c
        counts = grown
    return tuple(counts)


def signed_rank_interval_index(n: int, confidence: float) -> int:
    """k such that [W_(k), W_(N+1-k)] covers the shift with >= `confidence`; 0 when none does."""
    alpha_half = (1.0 - confidence) / 2.0
    if n <= EXACT_LIMIT:
        counts = _signed_rank_counts(n)
        total = 2**n
        cumulative, k = 0, 0
        for c in counts:  # P(T+ <= k - 1) <= alpha/2, in integers
            cumulative += c
            if cumulative / total > alpha_half:
                break
            k += 1
        return k
    z = float(_scipy_stats.norm.ppf(1.0 - alpha_half))
    mean = n * (n + 1) / 4.0
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    return max(0, math.floor(mean - z * sd))


def block_differences(blocks: Sequence[tuple[Sequence[float], Sequence[float]]]) -> np.ndarray:
    """mean(log B) - mean(log A) per block of (A rounds, B rounds); positive: B's figure is larger."""
    out = []
    for index, (a, b) in enumerate(blocks):
        a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if a_arr.size == 0 or b_arr.size == 0:
            raise ValueError(f"block {index + 1}: a side has no rounds")
        if (
            not (np.all(np.isfinite(a_arr)) and np.all(np.isfinite(b_arr)))
            or (a_arr <= 0).any()
            or (b_arr <= 0).any()
        ):
            raise ValueError(f"block {index + 1}: a ratio needs finite, positive values")
        out.append(float(np.log(b_arr).mean() - np.log(a_arr).mean()))
    return np.asarray(out)


def paired_block_ratio(
    blocks: Sequence[tuple[Sequence[float], Sequence[float]]], confidence: float = 0.95
) -> RatioEstimate:
    """B / A over blocks of (A rounds, B rounds), with its signed-rank interval (see the module doc)."""
    if not 0.0 < confidence < 1.0:
        raise UsageError(f"confidence must be in (0, 1), got {confidence}")
    d = block_differences(blocks)
    n = d.size
    if n == 0:
        raise ValueError("no complete blocks")
    rounds_a = sum(len(a) for a, _ in blocks)
    rounds_b = sum(len(b) for _, b in blocks)
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2.0)
    estimate = float(np.median(walsh))
    k = signed_rank_interval_index(n, confidence)
    note = ""
    if k == 0:
        low, high = -math.inf, math.inf
        note = f"{n} blocks: too few for a {confidence:.0%} interval"
    else:
        low, high = float(walsh[k - 1]), float(walsh[walsh.size - k])
    if np.all(d == 0):
        p_value = 1.0
    else:
        method = "exact" if n <= 50 and np.unique(np.abs(d[d != 0])).size == np.count_nonzero(d) else "approx"
        p_value = float(_scipy_stats.wilcoxon(d, method=method).pvalue)
    return RatioEstimate(
        ratio=math.exp(estimate),
        low=math.exp(low) if math.isfinite(low) else 0.0,
        high=math.exp(high) if math.isfinite(high) else math.inf,
        p_value=p_value,
        confidence=confidence,
        n_baseline=rounds_a,
        n_current=rounds_b,
        method=METHOD,
        note=note,
    )


def block_noise(blocks: Sequence[tuple[Sequence[float], Sequence[float]]]) -> float:
    """Robust spread (IQR / 1.349) of the block differences: what `--rounds auto` sizes the run from."""
    d = block_differences(blocks)
    return float(np.subtract(*np.percentile(d, [75, 25])) / 1.349) if d.size > 1 else float("nan")


def log_half_width(estimate: RatioEstimate) -> float:
    """Half the interval's width on the log scale (0.04: about +-4 %); infinite when it has no bound."""
    if estimate.low <= 0.0 or not math.isfinite(estimate.high):
        return math.inf
    return (math.log(estimate.high) - math.log(estimate.low)) / 2.0


def target_half_width(detect: float, threshold: float, confidence: float) -> float:
    """The interval half-width at which a `detect` slowdown is caught with 99 % power (and a change below
    the threshold is not flagged): z times `compare.calibrate.target_standard_error`, the precision that
    `rounds_needed` sizes a run for in advance."""
    z = float(_scipy_stats.norm.ppf(0.5 + confidence / 2.0))
    return z * target_standard_error(detect, threshold, confidence)


def precise_enough(
    blocks: Sequence[tuple[Sequence[float], Sequence[float]]],
    target: float,
    confidence: float,
    min_blocks: int,
) -> bool:
    """At least `min_blocks` blocks and an interval no wider than `target` (log half-width).

    Stopping on the interval's width, never on its position, keeps the false-alarm rate: the width of the
    signed-rank interval depends on the spread of the block differences, not on their centre.
    """
    return len(blocks) >= min_blocks and log_half_width(paired_block_ratio(blocks, confidence)) <= target
