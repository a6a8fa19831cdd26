"""Load shapes, seeded: gamma burstiness, linear and exponential ramps, and the send report."""

from __future__ import annotations

import math
import statistics
from itertools import pairwise

import pytest

from vlmhyperbench.errors import UsageError
from vlmhyperbench.serve.schedule import arrival_offsets
from vlmhyperbench.serve.shapes import LoadShape, coefficient_of_variation, fell_behind, send_report


def gaps(offsets: list[float]) -> list[float]:
    return [b - a for a, b in pairwise(offsets)]


def test_burstiness_one_is_the_poisson_schedule() -> None:
    assert LoadShape(4.0).offsets(50, seed=3) == arrival_offsets(50, 4.0, seed=3)
    assert LoadShape(math.inf, burstiness=0.5).offsets(4) == [0.0] * 4


@pytest.mark.parametrize("burstiness", [0.25, 0.5, 1.0, 4.0])
def test_gamma_gaps_keep_the_mean_and_spread_as_one_over_root_b(burstiness: float) -> None:
    offsets = LoadShape(5.0, burstiness).offsets(4000, seed=11)
    assert offsets == LoadShape(5.0, burstiness).offsets(4000, seed=11)  # seeded
    assert statistics.fmean(gaps(offsets)) == pytest.approx(0.2, rel=0.1)  # mean gap 1/rate
    cv = coefficient_of_variation(offsets)
    assert cv == pytest.approx(1 / math.sqrt(burstiness), rel=0.12)  # gamma(B): CV = 1/sqrt(B)


def test_bursty_and_steady_schedules_differ_measurably() -> None:
    bursty = coefficient_of_variation(LoadShape(10.0, 0.5).offsets(40, seed=0))
    steady = coefficient_of_variation(LoadShape(10.0, 4.0).offsets(40, seed=0))
    assert bursty is not None and steady is not None and bursty > 2 * steady


@pytest.mark.parametrize("ramp", ["linear", "exponential"])
def test_a_ramp_moves_the_rate_from_start_to_end(ramp: str) -> None:
    shape = LoadShape(ramp=ramp, ramp_start=1.0, ramp_end=16.0, burstiness=50.0)  # near-regular gaps
    assert shape.rate_at(0, 101) == 1.0 and shape.rate_at(100, 101) == pytest.approx(16.0)
    middle = shape.rate_at(50, 101)
    assert middle == pytest.approx(8.5 if ramp == "linear" else 4.0)  # arithmetic vs geometric mean
    spaced = gaps(shape.offsets(101, seed=1))
    first, last = statistics.fmean(spaced[:10]), statistics.fmean(spaced[-10:])
    assert first > 8 * last  # gaps shrink ~16x as the rate grows from 1 to 16 req/s
    assert shape.label == f"ramp-{ramp}-1-16-b50"


def test_bad_shapes_are_usage_errors() -> None:
    for kwargs, message in (
        ({"burstiness": 0.0}, "--burstiness"),
        ({"ramp": "cubic", "ramp_start": 1.0, "ramp_end": 2.0}, "--ramp-up 'cubic'"),
        ({"ramp": "linear", "ramp_start": 1.0}, "needs --ramp-up-start and --ramp-up-end"),
        ({"ramp": "exponential", "ramp_start": 0.0, "ramp_end": 2.0}, "--ramp-up-start must be"),
        ({"ramp_end": 2.0}, "need --ramp-up"),
    ):
        with pytest.raises(UsageError, match=message):
            LoadShape(**kwargs)


def test_send_report_says_how_far_sends_fell_behind() -> None:
    planned = [0.0, 1.0, 2.0, 3.0, 4.0]  # 1 req/s
    on_time = send_report(planned, [0.001, 1.001, 2.002, 3.001, 4.001])
    assert on_time["planned_send_rate"] == pytest.approx(1.0)
    assert on_time["send_rate_shortfall"] == pytest.approx(0.0, abs=1e-3) and not fell_behind(on_time)
    late = send_report(planned, [0.0, 2.0, 4.0, 6.0, 8.0])  # a slot free only every 2 s
    assert late["achieved_send_rate"] == pytest.approx(0.5)
    assert late["send_rate_shortfall"] == pytest.approx(0.5) and fell_behind(late)
    assert late["send_lag_s_max"] == pytest.approx(4.0) and late["send_lag_s_median"] == pytest.approx(2.0)
    at_once = send_report([0.0] * 3, [0.0, 0.001, 0.002])
    assert at_once["planned_send_rate"] is None and not fell_behind(at_once)
