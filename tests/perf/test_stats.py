"""Samples and percentiles on known values."""

from __future__ import annotations

import pytest

from vlmhyperbench.perf import Samples, percentile


def test_percentile_interpolates_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == pytest.approx(2.5)
    assert percentile(values, 90) == pytest.approx(3.7)
    assert percentile([7.0], 99) == 7.0


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"within 0\.\.100"):
        percentile([1.0], 101)


def test_samples_keep_raw_values_and_compute_statistics() -> None:
    s = Samples([1, 2, 3, 4, 10])
    assert s.values == [1.0, 2.0, 3.0, 4.0, 10.0]
    assert s.mean == 4.0
    assert s.median == 3.0
    assert s.min == 1.0 and s.max == 10.0
    assert s.stdev == pytest.approx(3.5355, rel=1e-4)
    assert s.p90 == pytest.approx(7.6)
    assert set(s.as_dict()) == set(Samples.fields)
    assert Samples([5]).stdev == 0.0
    with pytest.raises(ValueError):
        Samples([])
