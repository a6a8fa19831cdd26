"""Quality-run plots as PNG bytes (matplotlib, Agg backend), for embedding into report.html as base64."""

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


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


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
    return _png(fig)


def metric_heatmap(
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    metrics: Sequence[str],
    higher_is_better: Sequence[bool],
    title: str,
) -> bytes:
    """A table of colours: one row per group, one column per metric, green is good whatever the direction."""
    fig, ax = _figure(7.5, 1.4 + 0.32 * len(rows))
    values = [[_number(r.get(m)) for m in metrics] for r in rows]
    goodness = [
        [
            (v if up else 1.0 - min(v, 1.0)) if math.isfinite(v) else math.nan
            for v, up in zip(row, higher_is_better, strict=True)
        ]
        for row in values
    ]
    ax.imshow(goodness, cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
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
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
    ax.set_title(title, fontsize=10, pad=22)
    return _png(fig)


def latency_histogram(latencies: Sequence[float]) -> bytes:
    fig, ax = _figure()
    ax.hist(list(latencies), bins=min(30, max(5, len(latencies))), color="#4c72b0", edgecolor="white")
    ax.set_title("Batch latency")
    ax.set_xlabel("seconds per batch")
    ax.set_ylabel("batches")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def throughput_plot(series: Mapping[str, Sequence[Any]]) -> bytes:
    """One line per throughput figure over the batches of the run."""
    fig, ax = _figure()
    for name, values in series.items():
        ax.plot(range(1, len(values) + 1), [_number(v) for v in values], marker="o", label=name)
    ax.set_title("Throughput per batch")
    ax.set_xlabel("batch")
    ax.set_ylabel("per second")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)
