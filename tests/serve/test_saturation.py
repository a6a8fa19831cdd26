"""The saturation sweep's method on a model of a server: the two ends, the ladder, both stop rules, and the
highest rate meeting the SLO and the knee with their intervals. (A real server: tests/serve/test_load.py.)"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from vlmhyperbench.errors import UsageError
from vlmhyperbench.perf.bench import BenchCase, BenchRun
from vlmhyperbench.serve.saturation import SaturationPlan, saturation_summary, saturation_sweep
from vlmhyperbench.serve.schedule import SloTargets
from vlmhyperbench.serve.shapes import LoadShape, rate_label

N = 20
Measure = Callable[[int, LoadShape], BenchCase]


def server_model(
    capacity: float, slo_limit: float, calls: list[tuple[int, LoadShape]], plateau: float | None = None
) -> Measure:
    """One at a time it completes 2 req/s, everything at once `capacity`, at a rate min(rate, plateau);
    every request meets the SLO up to `slo_limit` req/s offered, a quarter of them beyond."""

    def measure(concurrency: int, shape: LoadShape) -> BenchCase:
        calls.append((concurrency, shape))
        offered = 2.0 if concurrency == 1 else (capacity if math.isinf(shape.rate) else shape.rate)
        achieved = min(offered, capacity if math.isinf(shape.rate) else plateau or capacity)
        good = N if offered <= slo_limit else N // 4
        serving = {"request_rate": rate_label(shape.rate), "num_prompts": N, "good_requests": good,
                   "request_throughput": achieved, "goodput": achieved * good / N}  # fmt: skip
        return BenchCase(f"served-{shape.label}", concurrency, [], {"serving": serving})

    return measure


def sweep(
    capacity: float, slo_limit: float, probes: int = 8, plateau: float | None = None
) -> tuple[list[tuple[int, LoadShape]], BenchRun]:
    calls: list[tuple[int, LoadShape]] = []
    plan = SaturationPlan(SloTargets(ttft_s=1.0), concurrency=16, probes=probes, burstiness=2.0)
    saved: list[int] = []
    measure = server_model(capacity, slo_limit, calls, plateau)
    run = saturation_sweep(measure, plan, BenchRun("m"), lambda r: saved.append(len(r.cases)))
    assert saved == list(range(1, len(run.cases) + 1))  # saved after every case
    return calls, run


def test_the_ladder_stops_at_the_first_probe_that_breaks_the_slo() -> None:
    calls, run = sweep(capacity=7.0, slo_limit=4.0)
    assert calls[:2] == [(1, LoadShape()), (16, LoadShape())]  # synchronous end, then throughput end
    # 2 + (7 - 2) k / 8, 3 significant digits, under the cap, with the burstiness asked for
    assert calls[2:] == [(16, LoadShape(r, 2.0)) for r in (2.62, 3.25, 3.88, 4.5)]
    roles = [c.info["serving"]["saturation"]["role"] for c in run.cases]
    assert roles == ["synchronous", "throughput", "probe", "probe", "probe", "probe"]
    summary = saturation_summary([c.info for c in run.cases])
    assert summary is not None
    assert summary["highest_rate_meeting_slo"] == 3.88 and summary["highest_rate_interval"] == [3.88, 4.5]
    assert summary["knee_rate"] == 3.88 and summary["knee_interval"] == [3.25, 4.5]
    assert summary["stopped"] == "SLO met by 25% of requests, under 90%"


def test_the_ladder_stops_when_goodput_stops_rising() -> None:
    calls, run = sweep(capacity=8.0, slo_limit=100.0, plateau=5.0)
    assert [shape.rate for _, shape in calls[2:]] == [2.75, 3.5, 4.25, 5.0, 5.75]  # 5.75: no more goodput
    summary = saturation_summary([c.info for c in run.cases])
    assert summary is not None and summary["stopped"] == "goodput stopped rising"
    assert summary["highest_rate_meeting_slo"] == 5.75 and summary["highest_rate_interval"] == [5.75, None]
    assert summary["knee_rate"] == 5.0 and summary["knee_interval"] == [4.25, 5.75]


def test_the_sweep_is_bounded_and_needs_an_slo() -> None:
    _, run = sweep(capacity=50.0, slo_limit=1000.0, probes=3)
    assert len(run.cases) == 2 + 3  # never more than the two ends and the probes
    with pytest.raises(UsageError, match="--slo"):
        SaturationPlan(SloTargets(), concurrency=4)
    assert saturation_summary([{"serving": {"request_rate": "inf"}}]) is None
