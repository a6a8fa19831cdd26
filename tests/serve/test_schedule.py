"""Request schedules (seeded Poisson arrivals), request rates and SLO parsing."""

from __future__ import annotations

import math
import statistics
from itertools import pairwise

import pytest

from vlmhyperbench.errors import UsageError
from vlmhyperbench.serve.schedule import SloTargets, arrival_offsets, parse_rates, parse_slo
from vlmhyperbench.serve.shapes import rate_label


def test_infinite_rate_sends_everything_at_once() -> None:
    assert arrival_offsets(5, math.inf) == [0.0] * 5


def test_a_seeded_schedule_is_reproducible_and_poisson() -> None:
    a = arrival_offsets(2000, 4.0, seed=7)
    assert a == arrival_offsets(2000, 4.0, seed=7)
    assert a != arrival_offsets(2000, 4.0, seed=8)
    gaps = [b - x for x, b in pairwise(a)]
    assert a[0] == 0.0 and all(g >= 0 for g in gaps)
    assert statistics.fmean(gaps) == pytest.approx(0.25, rel=0.1)  # mean gap 1/R
    assert statistics.stdev(gaps) == pytest.approx(0.25, rel=0.15)  # exponential: stdev == mean


def test_rates_and_labels() -> None:
    assert parse_rates("1, 2.5,inf") == [1.0, 2.5, math.inf]
    assert [rate_label(r) for r in parse_rates("2.5,inf")] == ["2.5", "inf"]
    for bad in ("0", "-1", "fast", ""):
        with pytest.raises(UsageError, match="request-rate"):
            parse_rates(bad)


def test_slo_in_milliseconds() -> None:
    assert parse_slo("ttft=500,tpot=50") == SloTargets(ttft_s=0.5, tpot_s=0.05)
    assert parse_slo(None) is None
    for bad in ("ttft", "e2e=5", "ttft=x", "ttft=-1"):
        with pytest.raises(UsageError, match="--slo"):
            parse_slo(bad)


def test_slo_met() -> None:
    slo = SloTargets(ttft_s=0.5, tpot_s=0.05)
    assert slo.met(0.4, 0.04)
    assert not slo.met(0.6, 0.04)
    assert not slo.met(0.4, 0.06)
    assert slo.met(0.4, None)  # a one-token answer has no TPOT to miss
