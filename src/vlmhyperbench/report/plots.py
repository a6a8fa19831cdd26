"""Quality-run plots as PNG bytes (matplotlib, Agg backend), for embedding into report.html as base64.

Counts (batches) and batch numbers are whole numbers on their axes (`MaxNLocator(integer=True)`); the heatmap
carries a colour bar that says what its colours mean; several runs (degradation levels, engines) can be
drawn side by side (`runs_side_by_side`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any


def _figure(width: float = 7.5, height: float = 3.6) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot(1, 1, 1)


def figure_grid(panels: int, height: float = 3.6, panel_width: float = 3.4) -> tuple[Any, list[Any]]:
    """A figure with `panels` axes side by side (sharing their y axis)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(6.0, 1.6 + panel_width * panels), height), dpi=100)
    axes = fig.subplots(1, panels, sharey=True, squeeze=False)[0]
    return fig, list(axes)


def colours(count: int) -> list[Any]:
    from matplotlib import colormaps

    palette = colormaps["tab10"]
    return [palette(i % 10) for i in range(count)]


def forest_legend(series: list[tuple[str, Any]], interval: str, shaded: str, failed: str) -> list[Any]:
    """Legend entries that explain every mark of a forest plot: dots per series, bars, shading, crosses."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Line2D([], [], color=colour, marker="o", linestyle="", label=name) for name, colour in series
    ]
    handles.append(Line2D([], [], color="grey", marker="|", markersize=10, linestyle="-", label=interval))
    handles.append(Patch(facecolor="red", alpha=0.15, label=shaded))
    handles.append(Line2D([], [], color="red", marker="x", mew=2, linestyle="", label=failed))
    return handles


def legend_room(fig: Any, rows: int) -> float:
    """The fraction of the figure's height a figure legend of `rows` lines needs below the axes."""
    return min(0.5, (0.25 * rows + 0.15) / float(fig.get_figheight()))


def png(fig: Any, bottom: float | None = None) -> bytes:
    """The figure as PNG bytes; `bottom` keeps that fraction free below the axes (a figure legend)."""
    buffer = io.BytesIO()
    if bottom is None:
        fig.tight_layout()
    else:
        fig.tight_layout(rect=(0, bottom, 1, 1))
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _integer_axis(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def metric_bars(
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    metrics: Sequence[str],
    title: str,
    labels: Sequence[str] | None = None,
) -> bytes:
    """Grouped bars: one group per row (labelled by keys), one bar per metric (legend: labels or names)."""
    fig, ax = _figure(max(6.0, 1.2 + 0.9 * len(rows)), 3.8)
    groups = [" / ".join(str(r[k]) for k in keys) for r in rows]
    width = 0.8 / max(1, len(metrics))
    for i, metric in enumerate(metrics):
        values = [_number(r.get(metric)) for r in rows]
        label = labels[i] if labels else metric
        ax.bar([x + i * width for x in range(len(rows))], values, width=width, label=label)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(rows))])
    ax.set_xticklabels(
        groups, rotation=30 if len(rows) > 4 else 0, ha="right" if len(rows) > 4 else "center", fontsize=8
    )
    finite = [v for r in rows for m in metrics if math.isfinite(v := _number(r.get(m)))]
    ax.set_ylim(0, max([1.0, *finite]) * 1.05)
    ax.set_title(title)
    ax.set_ylabel("score")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(
        fontsize=8, ncols=min(5, len(metrics)), loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False
    )
    return png(fig)


def metric_heatmap(
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    metrics: Sequence[str],
    higher_is_better: Sequence[bool],
    title: str,
) -> bytes:
    return png(heatmap_figure(rows, keys, metrics, higher_is_better, title))


def heatmap_figure(
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    metrics: Sequence[str],
    higher_is_better: Sequence[bool],
    title: str,
) -> Any:
    """A table of colours: one row per group, one column per metric, green is good whatever the direction."""
    fig, ax = _figure(8.5, 1.8 + 0.36 * len(rows))
    values = [[_number(r.get(m)) for m in metrics] for r in rows]
    goodness = [
        [
            (v if up else 1.0 - min(v, 1.0)) if math.isfinite(v) else math.nan
            for v, up in zip(row, higher_is_better, strict=True)
        ]
        for row in values
    ]
    image = ax.imshow(goodness, cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("goodness: the score (↑ metrics) or 1 - score (↓ metrics)", fontsize=8)
    bar.set_ticks([0.0, 0.5, 1.0], labels=["0 worst", "0.5", "1 best"], fontsize=8)
    ax.set_xticks(range(len(metrics)))
    arrows = ["↑" if up else "↓" for up in higher_is_better]
    ax.set_xticklabels([f"{m} {a}" for m, a in zip(metrics, arrows, strict=True)], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([" / ".join(str(r[k]) for k in keys) for r in rows], fontsize=8)
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            good = goodness[i][j]
            dark = math.isfinite(good) and (good < 0.2 or good > 0.85)  # the ends of RdYlGn are dark
            text = "-" if not math.isfinite(v) else f"{v:.2f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
    ax.set_title(title, fontsize=10, pad=22)
    return fig


def latency_histogram(latencies: Sequence[float]) -> bytes:
    return png(latency_figure(latencies))


def latency_figure(latencies: Sequence[float]) -> Any:
    """Batches per latency bin; the count axis shows whole batches."""
    fig, ax = _figure()
    ax.hist(list(latencies), bins=min(30, max(5, len(latencies))), color="#4c72b0", edgecolor="white")
    ax.set_title("Batch latency")
    ax.set_xlabel("seconds per batch")
    ax.set_ylabel("batches")
    _integer_axis(ax.yaxis)
    ax.grid(axis="y", alpha=0.3)
    return fig


def throughput_plot(series: Mapping[str, Sequence[Any]]) -> bytes:
    return png(throughput_figure(series))


def throughput_figure(series: Mapping[str, Sequence[Any]]) -> Any:
    """One line per throughput figure over the batches of the run (numbered 1, 2, ...)."""
    fig, ax = _figure()
    for name, values in series.items():
        ax.plot(range(1, len(values) + 1), [_number(v) for v in values], marker="o", label=name)
    ax.set_title("Throughput per batch")
    ax.set_xlabel("batch")
    _integer_axis(ax.xaxis)
    ax.set_ylabel("per second")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def runs_side_by_side(
    runs: Mapping[str, Mapping[str, Mapping[str, float]]],
    higher_is_better: Mapping[str, bool],
    title: str = "Runs side by side",
) -> bytes:
    """Several runs (degradation levels, engines) in one figure: one panel per metric, one bar per run.

    `runs` maps a run's label to metric -> group (e.g. "all questions", each doc class) -> mean score.
    """
    metrics = [m for m in higher_is_better if any(m in groups for groups in runs.values())]
    group_names = list(
        dict.fromkeys(g for groups in runs.values() for m in metrics for g in groups.get(m, {}))
    )
    panel = min(4.0, max(2.6, 0.3 * len(group_names) * len(runs) ** 0.5))
    fig, axes = figure_grid(len(metrics), height=4.4, panel_width=panel)
    palette = colours(len(runs))
    width = 0.8 / max(1, len(runs))
    for ax, metric in zip(axes, metrics, strict=True):
        for i, (label, groups) in enumerate(runs.items()):
            values = [_number(groups.get(metric, {}).get(g)) for g in group_names]
            offsets = [x + (i - (len(runs) - 1) / 2) * width for x in range(len(group_names))]
            ax.bar(offsets, values, width=width, color=palette[i], label=label)
        up = higher_is_better[metric]
        ax.set_title(f"{metric} {'↑' if up else '↓'} ({'higher' if up else 'lower'} is better)", fontsize=9)
        ax.set_xticks(range(len(group_names)))
        ax.set_xticklabels(group_names, rotation=30, ha="right", fontsize=7)
        ax.tick_params(axis="y", labelsize=7, labelleft=True)
        ax.grid(axis="y", alpha=0.3)
    finite = [
        v for groups in runs.values() for m in metrics for v in groups.get(m, {}).values() if math.isfinite(v)
    ]
    axes[0].set_ylim(0, max([1.0, *finite]) * 1.05)
    axes[0].set_ylabel("mean score")
    handles = axes[0].get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="lower center", ncols=min(4, len(runs)), fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10)
    return png(fig, bottom=legend_room(fig, rows=-(-len(runs) // 4)))
