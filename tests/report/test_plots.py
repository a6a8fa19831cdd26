"""Plots a reader can trust: whole batches on batch axes, a colour bar on the heatmap, runs side by side."""

from __future__ import annotations

from typing import Any

from vlmhyperbench.report import plots

PNG = b"\x89PNG\r\n\x1a\n"


def _ticks(axis: Any) -> list[float]:
    low, high = axis.get_view_interval()
    return [t for t in axis.get_majorticklocs() if low <= t <= high]


def test_latency_histogram_counts_whole_batches() -> None:
    fig = plots.latency_figure([0.10, 0.12, 0.31, 0.33])  # few batches: matplotlib alone ticks 0.25, 0.5
    ticks = _ticks(fig.axes[0].yaxis)
    assert len(ticks) >= 2
    assert all(float(t).is_integer() for t in ticks)


def test_throughput_numbers_batches_as_whole_numbers() -> None:
    fig = plots.throughput_figure({"images_per_s": [3.0, 4.0, 3.5], "output_tokens_per_s": [10, 12, 11]})
    ticks = _ticks(fig.axes[0].xaxis)
    assert ticks and all(float(t).is_integer() for t in ticks)  # no batch 1.5 or 2.5


def test_heatmap_has_a_colour_bar_that_says_what_colours_mean() -> None:
    rows = [{"doc_class": "inn", "cer": 0.1, "anls": 0.9}, {"doc_class": "snils", "cer": 0.8, "anls": 0.2}]
    fig = plots.heatmap_figure(rows, ["doc_class"], ["cer", "anls"], [False, True], "title")
    assert len(fig.axes) == 2  # the map and its colour bar
    assert "goodness" in fig.axes[1].get_ylabel()
    numbers = [t.get_text() for t in fig.axes[0].texts]
    assert numbers == ["0.10", "0.90", "0.80", "0.20"]
    assert min(t.get_fontsize() for t in fig.axes[0].texts) >= 9


def test_runs_side_by_side_draws_one_bar_per_run_and_group() -> None:
    runs = {
        level: {"cer": {"all": cer, "inn": cer / 2}, "anls": {"all": 1 - cer, "inn": 1 - cer / 2}}
        for level, cer in (("none", 0.01), ("scan", 0.1), ("heavy", 0.4))
    }
    png = plots.runs_side_by_side(runs, {"cer": False, "anls": True})
    assert png.startswith(PNG)


def test_forest_legend_explains_every_mark() -> None:
    handles = plots.forest_legend([("b: change", "C0")], "95% interval", "beyond threshold", "fails the gate")
    assert [h.get_label() for h in handles] == [
        "b: change",
        "95% interval",
        "beyond threshold",
        "fails the gate",
    ]
