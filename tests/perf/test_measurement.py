"""Every figure computed right on known timings (vLLM definitions), no clock involved."""

from __future__ import annotations

from typing import Any

import pytest

from vlmhyperbench.figures import FIGURES
from vlmhyperbench.perf import GenerationMeasurement, per_round, summarize


def _m(**overrides: object) -> GenerationMeasurement:
    values: dict[str, Any] = {
        "texts": ["a", "b"],
        "input_tokens": [100, 80],
        "output_tokens": [11, 11],
        "ttft_s": 0.5,
        "latency_s": 1.5,
        "images": 2,
        "new_tokens": 11,
        "fixed_length": True,
        "vision_s": 0.2,
    }
    values.update(overrides)
    return GenerationMeasurement(**values)


def test_fixed_length_figures() -> None:
    m = _m()
    assert m.batch_size == 2
    assert m.tpot_s == pytest.approx((1.5 - 0.5) / 10)
    assert m.decode_tokens_per_s == pytest.approx(20 / 1.0)
    assert m.output_tokens_per_s == pytest.approx(22 / 1.5)
    assert m.total_tokens_per_s == pytest.approx((180 + 22) / 1.5)
    assert m.images_per_s == pytest.approx(2 / 1.5)
    assert m.lm_s == pytest.approx(1.3)
    assert list(m.figures()) == FIGURES.names()


def test_tpot_uses_each_sequence_end_when_lengths_differ() -> None:
    # sequence 0 stops after 3 tokens (its EOS at step 3, t=0.7 s), sequence 1 runs to 5 tokens
    m = _m(output_tokens=[3, 5], token_times_s=[0.5, 0.6, 0.7, 0.8, 0.9], latency_s=0.9, fixed_length=False)
    assert m.sequence_end_s(0) == pytest.approx(0.7)
    assert m.sequence_end_s(1) == pytest.approx(0.9)
    assert m.tpot_s == pytest.approx(((0.7 - 0.5) / 2 + (0.9 - 0.5) / 4) / 2)
    assert m.decode_tokens_per_s == pytest.approx((2 + 4) / 0.4)
    assert m.itl_s == pytest.approx([0.1, 0.1, 0.1, 0.1])


def test_single_token_has_no_tpot() -> None:
    m = _m(output_tokens=[1, 1], ttft_s=0.5, latency_s=0.5)
    assert m.tpot_s is None
    assert m.decode_tokens_per_s is None


def test_no_vision_hooks_means_no_split() -> None:
    m = _m(vision_s=None)
    assert m.lm_s is None


def test_inconsistent_timings_are_refused() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        _m(ttft_s=2.0, latency_s=1.0)
    with pytest.raises(ValueError, match="one entry per sequence"):
        _m(input_tokens=[1])


def test_summarize_means_percentiles_and_memory_peaks() -> None:
    rounds = [
        _m(latency_s=1.0, ttft_s=0.2, peak_memory_allocated_bytes=100),
        _m(latency_s=2.0, ttft_s=0.4, peak_memory_allocated_bytes=300),
        _m(latency_s=3.0, ttft_s=0.6, peak_memory_allocated_bytes=200),
    ]
    metrics = summarize(rounds)
    assert metrics["latency_s"] == pytest.approx(2.0)
    assert metrics["ttft_s"] == pytest.approx(0.4)
    assert metrics["latency_s_p50"] == pytest.approx(2.0)
    assert metrics["latency_s_p90"] == pytest.approx(2.8)
    assert metrics["latency_s_p99"] == pytest.approx(2.98)
    assert metrics["peak_memory_allocated_bytes"] == 300  # the worst round, not the mean
    assert metrics["peak_memory_reserved_bytes"] is None  # CPU: no counter
    assert metrics["output_tokens_per_s"] == pytest.approx((22 / 1 + 22 / 2 + 22 / 3) / 3)
    assert metrics["rounds"] == 3 and metrics["batch_size"] == 2 and metrics["fixed_length"] is True
    assert per_round(rounds)["latency_s"] == [1.0, 2.0, 3.0]
    assert list(per_round(rounds)) == FIGURES.names()
    with pytest.raises(ValueError):
        summarize([])


def test_overhead_ratio_on_known_timings() -> None:
    # measured: 22 tokens in 1.5, 1.1 and 2.0 s (median 1.5 s); bare: 1.4, 1.2, 9.0 s (median 1.4 s)
    from vlmhyperbench.perf import overhead_summary

    measured = [_m(latency_s=t) for t in (1.5, 1.1, 2.0)]
    summary = overhead_summary(measured, [1.4, 1.2, 9.0])
    assert summary["measured_tokens_per_s"] == pytest.approx(22 / 1.5)
    assert summary["bare_tokens_per_s"] == pytest.approx(22 / 1.4)
    assert summary["ratio"] == pytest.approx(1.4 / 1.5)
    assert summary["rounds"] == 3 and summary["goal"] == 0.98
    with pytest.raises(ValueError, match="bare rounds"):
        overhead_summary(measured, [])


def test_an_engine_without_tokens_leaves_token_figures_absent_not_zero() -> None:
    """An OCR engine: texts and latency, no tokens, no first-token time."""
    rounds = [
        _m(input_tokens=None, output_tokens=None, ttft_s=None, latency_s=t, vision_s=None) for t in (0.5, 1.0)
    ]
    figures = rounds[0].figures()
    for name in ("ttft_s", "tpot_s", "decode_tokens_per_s", "output_tokens_per_s", "total_tokens_per_s"):
        assert figures[name] is None, name
    assert figures["images_per_s"] == pytest.approx(4.0) and rounds[0].batch_size == 2
    metrics = summarize(rounds)
    assert metrics["input_tokens"] is None and metrics["output_tokens"] is None
    assert metrics["output_tokens_per_s"] is None and metrics["images_per_s"] == pytest.approx(3.0)
    from vlmhyperbench.perf import overhead_summary

    with pytest.raises(ValueError, match="needs token counts"):
        overhead_summary(rounds, [0.4, 0.4])
