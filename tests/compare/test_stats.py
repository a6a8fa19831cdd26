from __future__ import annotations

import math

import numpy as np
import pytest

from vlmhyperbench.compare.stats import _u_counts, hodges_lehmann_ratio, rank_interval_index


@pytest.mark.parametrize(("m", "n"), [(1, 1), (3, 4), (5, 7), (10, 10)])
def test_u_distribution_counts_every_arrangement_once(m: int, n: int) -> None:
    counts = _u_counts(m, n)
    assert len(counts) == m * n + 1
    assert sum(counts) == math.comb(m + n, m)
    assert counts == counts[::-1]  # U is symmetric around m*n/2


@pytest.mark.parametrize(
    # Two-sided 5 % critical values of the Mann-Whitney U (Hollander & Wolfe's table): reject when U < k.
    ("m", "n", "k"),
    [(3, 3, 0), (4, 4, 1), (5, 5, 3), (6, 6, 6), (8, 8, 14), (10, 10, 24), (5, 10, 9)],
)
def test_interval_index_matches_the_tables(m: int, n: int, k: int) -> None:
    assert rank_interval_index(m, n, 0.95) == k


def test_normal_approximation_for_large_samples_agrees_with_exact() -> None:
    exact = rank_interval_index(100, 100, 0.95)  # m*n = 10 000: still exact
    approximate = rank_interval_index(101, 100, 0.95)  # normal approximation
    assert abs(exact - approximate) < 60  # the step from 100 to 101 rounds adds ~50
    rng = np.random.default_rng(0)
    estimate = hodges_lehmann_ratio(
        rng.lognormal(0, 0.05, 120).tolist(), rng.lognormal(0.1, 0.05, 120).tolist()
    )
    assert estimate.method == "normal"
    assert estimate.low < math.exp(0.1) < estimate.high


def test_ten_percent_shift_is_estimated_and_significant() -> None:
    rng = np.random.default_rng(1)
    base = 100 * rng.lognormal(0, 0.03, 10)
    cur = 90 * rng.lognormal(0, 0.03, 10)
    estimate = hodges_lehmann_ratio(base.tolist(), cur.tolist())
    assert estimate.significant
    assert estimate.low < 0.9 < estimate.high
    assert estimate.p_value < 0.01
    assert estimate.n_baseline == estimate.n_current == 10


def test_identical_distributions_are_not_significant_at_the_nominal_rate() -> None:
    """Coverage: over many A/A draws the 95 % interval excludes 1 in about 5 % of them, not more."""
    rng = np.random.default_rng(2)
    draws = 1000
    alarms = sum(
        hodges_lehmann_ratio(
            rng.lognormal(0, 0.05, 8).tolist(), rng.lognormal(0, 0.05, 8).tolist()
        ).significant
        for _ in range(draws)
    )
    assert alarms / draws <= 0.065


def test_an_outlier_round_does_not_move_the_estimate() -> None:
    base = [10.0, 10.1, 9.9, 10.0, 10.05, 9.95]
    cur = [10.0, 10.1, 9.9, 10.0, 10.05, 30.0]  # one round hit by a GC pause
    estimate = hodges_lehmann_ratio(base, cur)
    assert estimate.ratio == pytest.approx(1.0, abs=0.01)
    assert not estimate.significant


def test_deterministic_figures_compare_exactly() -> None:
    same = hodges_lehmann_ratio([100.0] * 5, [100.0] * 5)
    assert same.ratio == 1.0 and not same.significant
    grown = hodges_lehmann_ratio([100.0] * 5, [120.0] * 5)
    assert grown.ratio == pytest.approx(1.2) and grown.significant and grown.note == "deterministic figure"


def test_too_few_rounds_never_claim_significance() -> None:
    estimate = hodges_lehmann_ratio([1.0, 1.1, 0.9], [2.0, 2.1, 1.9])
    assert estimate.ratio == pytest.approx(2.0, rel=0.05)
    assert not estimate.significant
    assert "too few rounds" in estimate.note


@pytest.mark.parametrize("bad", [[], [1.0, 0.0], [1.0, -2.0], [1.0, float("nan")]])
def test_values_a_ratio_cannot_use_are_refused(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="baseline"):
        hodges_lehmann_ratio(bad, [1.0, 2.0])


def test_confidence_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="confidence"):
        hodges_lehmann_ratio([1.0] * 5, [1.0] * 5, confidence=95)


# --- paired changes (the quality gate) ----------------------------------------------------------------


def _sign_flip_p(diffs: list[float]) -> float:
    """The two-sided sign-flip p-value by brute force over all 2**n flips."""
    import itertools

    observed = abs(sum(diffs))
    flips = list(itertools.product((1, -1), repeat=len(diffs)))
    hits = sum(
        abs(sum(s * d for s, d in zip(signs, diffs, strict=True))) >= observed - 1e-12 for signs in flips
    )
    return hits / len(flips)


@pytest.mark.parametrize(
    ("baseline", "current"),
    [
        ([0, 1, 1, 0, 1, 1, 0, 1], [0, 0, 1, 0, 0, 1, 0, 0]),
        ([0.1, 0.5, 0.0, 0.25, 0.9, 0.3], [0.4, 0.5, 0.2, 0.1, 1.0, 0.7]),
    ],
)
def test_paired_p_value_is_the_exact_sign_flip_test(baseline: list[float], current: list[float]) -> None:
    from vlmhyperbench.compare.stats import paired_change

    found = paired_change(baseline, current)
    diffs = [c - b for b, c in zip(baseline, current, strict=True)]
    assert found.p_value == pytest.approx(_sign_flip_p(diffs))
    assert found.change == pytest.approx(sum(diffs) / len(diffs))
    assert found.low <= found.change <= found.high
    assert found.n_changed == sum(d != 0 for d in diffs)


def test_identical_runs_change_nothing() -> None:
    from vlmhyperbench.compare.stats import paired_change

    found = paired_change([0.2, 0.0, 1.0], [0.2, 0.0, 1.0])
    assert (found.change, found.low, found.high, found.p_value, found.n_changed) == (0, 0, 0, 1.0, 0)


def test_a_uniform_shift_is_as_significant_as_its_size_allows() -> None:
    from vlmhyperbench.compare.stats import paired_change

    found = paired_change([0.0] * 10, [0.5] * 10)  # every question worse by the same amount
    assert found.change == 0.5
    assert found.p_value == pytest.approx(2 / 2**10)


def test_a_large_paired_shift_has_an_interval_that_excludes_zero() -> None:
    from vlmhyperbench.compare.stats import paired_change

    rng = np.random.default_rng(3)
    base = rng.random(200)
    cur = base + 0.05 + rng.normal(0, 0.05, 200)
    found = paired_change(base, cur)
    assert found.low > 0.03 and found.high < 0.07
    assert found.p_value < 1e-3
    again = paired_change(base, cur)
    assert (again.low, again.high, again.p_value) == (found.low, found.high, found.p_value)  # seeded


def test_unpaired_inputs_are_refused() -> None:
    from vlmhyperbench.compare.stats import paired_change

    with pytest.raises(ValueError, match="two equal, non-empty lists"):
        paired_change([1.0, 2.0], [1.0])
