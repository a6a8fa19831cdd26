"""The paired block statistic: exact signed-rank interval, drift cancelling, the estimate of a shift."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vlmhyperbench.ab.stats import (
    block_differences,
    log_half_width,
    paired_block_ratio,
    precise_enough,
    signed_rank_interval_index,
    target_half_width,
)


@pytest.mark.parametrize(("n", "critical"), [(6, 0), (8, 3), (10, 8), (15, 25), (20, 52)])
def test_interval_index_matches_the_signed_rank_table(n: int, critical: int) -> None:
    # Two-sided 5 % critical values of the Wilcoxon signed-rank T (any statistics table): the interval is
    # [W_(T+1), W_(N-T)].
    assert signed_rank_interval_index(n, 0.95) == critical + 1


def test_five_blocks_give_no_95_percent_interval() -> None:
    blocks = [([1.0, 1.0], [2.0, 2.0])] * 5
    estimate = paired_block_ratio(blocks)
    assert estimate.ratio == pytest.approx(2.0)
    assert estimate.high == math.inf and not estimate.significant
    assert "too few" in estimate.note


def test_linear_drift_cancels_within_abba_blocks() -> None:
    # The machine slows steadily by 2 % per round; B is A. Each ABBA block's log means are equal.
    values = np.exp(0.02 * np.arange(40))
    blocks = []
    for start in range(0, 40, 4):
        a1, b1, b2, a2 = values[start : start + 4]
        blocks.append(([a1, a2], [b1, b2]))
    assert np.allclose(block_differences(blocks), 0.0)
    assert paired_block_ratio(blocks).ratio == pytest.approx(1.0)


def test_a_ten_percent_shift_is_found_and_its_interval_covers_it() -> None:
    rng = np.random.default_rng(1)
    blocks = [
        (np.exp(rng.normal(0, 0.03, 2)).tolist(), (1.1 * np.exp(rng.normal(0, 0.03, 2))).tolist())
        for _ in range(16)
    ]
    estimate = paired_block_ratio(blocks)
    assert estimate.significant
    assert estimate.low < 1.1 < estimate.high
    assert estimate.n_baseline == estimate.n_current == 32


def test_coverage_under_no_change_is_at_least_nominal() -> None:
    rng = np.random.default_rng(2)
    misses = 0
    for _ in range(400):
        blocks = [
            (np.exp(rng.standard_t(3, 2) * 0.05).tolist(), np.exp(rng.standard_t(3, 2) * 0.05).tolist())
            for _ in range(10)
        ]
        misses += paired_block_ratio(blocks).significant
    assert misses / 400 <= 0.07  # nominal 5 %; the exact interval is conservative


def test_bad_rounds_name_the_block() -> None:
    with pytest.raises(ValueError, match="block 2"):
        block_differences([([1.0], [1.0]), ([1.0], [0.0])])


def test_half_width_is_half_the_log_interval() -> None:
    rng = np.random.default_rng(1)
    blocks = [
        (list(np.exp(rng.normal(0, 0.05, 2))), list(np.exp(rng.normal(0.1, 0.05, 2)))) for _ in range(12)
    ]
    estimate = paired_block_ratio(blocks)
    assert log_half_width(estimate) == pytest.approx((math.log(estimate.high) - math.log(estimate.low)) / 2)
    assert log_half_width(paired_block_ratio(blocks[:5])) == math.inf  # no interval at all


def test_target_half_width_is_the_precision_rounds_needed_sizes_for() -> None:
    # 95 % interval, 10 % to catch over a 5 % threshold at 99 % power: SE <= 0.05 / 2.326 = 2.15 %.
    assert target_half_width(0.10, 0.05, 0.95) == pytest.approx(1.96 * 0.05 / 2.3263, rel=1e-3)
    assert target_half_width(0.20, 0.05, 0.95) > target_half_width(0.10, 0.05, 0.95)


@pytest.mark.parametrize(("spread", "enough"), [(0.01, True), (0.30, False)])
def test_precise_enough_follows_the_spread_not_the_shift(spread: float, enough: bool) -> None:
    rng = np.random.default_rng(2)
    target = target_half_width(0.10, 0.05, 0.95)
    for shift in (0.0, 0.2):  # where the blocks sit does not matter, how much they scatter does
        blocks = [([1.0, 1.0], list(np.exp(shift + rng.normal(0, spread, 2)))) for _ in range(20)]
        assert precise_enough(blocks, target, 0.95, min_blocks=10) is enough
    few = [([1.0, 1.0], [1.0, 1.0])] * 9
    assert not precise_enough(few, target, 0.95, min_blocks=10)  # never below the minimum
