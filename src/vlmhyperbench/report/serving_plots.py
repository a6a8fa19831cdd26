"""The serving sweep's figure: latency against achieved throughput, and goodput against offered rate.

One PNG per sweep (matplotlib, Agg), with one colour per series, so `bench` draws its own run and
`compare` draws two servers or revisions over each other:
- left: TTFT and TPOT (p50 solid, p99 dashed; ms, log scale) against achieved output tokens/s, each case
  a point, cases in order of throughput;
- right: goodput (where an SLO was given) and achieved requests/s against the offered request rate, for
  the cases sent at a finite rate (all-at-once cases have no offered rate to place them at).
Reads the cases' `extra_info` dicts (`extra_info["serving"]` from `serve.bench.serving_figures`), live or
loaded from a stored result (`stored_serving_infos`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vlmhyperbench.report.plots import colours

Series = tuple[str, Sequence[Mapping[str, Any]]]  # (label, the cases' extra_info dicts)
LATENCIES = (("ttft_s", "TTFT"), ("tpot_s", "TPOT"))


def _serving(infos: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [s for s in (i.get("serving") for i in infos) if s]


def _offered(serving: Mapping[str, Any]) -> float | None:
    try:
        rate = float(serving.get("request_rate", "inf"))
    except (TypeError, ValueError):
        return None
    return None if math.isinf(rate) or (serving.get("shape") or {}).get("ramp") else rate


def plottable(series: Sequence[Series]) -> bool:
    """Whether a figure says anything: some series has two or more served cases."""
    return any(len(_serving(infos)) >= 2 for _, infos in series)


def _latency_panel(ax: Any, cases: list[Mapping[str, Any]], colour: Any, label: str) -> None:
    cases = sorted(cases, key=lambda s: s.get("output_tokens_per_s") or 0.0)
    x = [s.get("output_tokens_per_s") or 0.0 for s in cases]
    for (name, title), marker in zip(LATENCIES, ("o", "s"), strict=True):
        for stat, style in (("median", "-"), ("p99", "--")):
            y = [(s.get(f"{name}_{stat}") or math.nan) * 1e3 for s in cases]
            ax.plot(x, y, style, color=colour, marker=marker, markersize=4,
                    label=f"{label} {title} {'p50' if stat == 'median' else stat}")  # fmt: skip


def _goodput_panel(ax: Any, cases: list[Mapping[str, Any]], colour: Any, label: str) -> None:
    rated = sorted((r, s) for s in cases if (r := _offered(s)) is not None)
    if not rated:
        return
    x = [r for r, _ in rated]
    ax.plot(x, [s.get("request_throughput") or 0.0 for _, s in rated], ":", color=colour, marker=".",
            label=f"{label} achieved")  # fmt: skip
    if any(s.get("goodput") is not None for _, s in rated):
        ax.plot(x, [s.get("goodput") or 0.0 for _, s in rated], "-", color=colour, marker="o",
                label=f"{label} goodput")  # fmt: skip


def sweep_png(series: Sequence[Series], title: str) -> bytes:
    """The two panels for every series, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.4), dpi=110)
    left, right = fig.subplots(1, 2)
    for (label, infos), colour in zip(series, colours(len(series)), strict=True):
        cases = _serving(infos)
        _latency_panel(left, cases, colour, label)
        _goodput_panel(right, cases, colour, label)
    left.set(xlabel="achieved output tokens/s", ylabel="ms (log)", title="latency vs throughput")
    left.set_yscale("log")
    right.set(xlabel="offered request rate (req/s)", ylabel="req/s", title="goodput vs offered rate")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6, loc="best")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def write_sweep_png(series: Sequence[Series], title: str, path: Path) -> Path:
    from vlmhyperbench.writes import refusing_writes

    data = sweep_png(series, title)
    with refusing_writes(path):  # a read-only folder is one line naming it
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


def stored_serving_infos(path: Path) -> list[dict[str, Any]]:
    """The `extra_info` of each served case in a stored result file (empty for an in-process one)."""
    from vlmhyperbench.results.storage import load_record

    infos = [entry.extra_info.model_dump() for entry in load_record(path).benchmarks]
    return [info for info in infos if info.get("serving")]


def serving_comparison(results: Sequence[Any], path: Path) -> list[str]:
    """For `compare`'s report: the sweeps of the compared results (`ResultSet`s) in one figure at `path`,
    and each one's saturation verdict; no lines (and no file) when fewer than two results were served."""
    from vlmhyperbench.report.serving import saturation_lines

    series: list[Series] = []
    for result in results:
        stored = stored_serving_infos(Path(result.path))
        if stored:
            series.append((str(result.label), stored))
    if len(series) < 2 or not plottable(series):
        return []
    write_sweep_png(series, " vs ".join(label for label, _ in series), path)
    lines = [
        "",
        "## Serving sweeps",
        "",
        f"![latency vs throughput, goodput vs offered rate]({path.name})",
        "",
    ]
    for label, infos in series:
        verdict = saturation_lines(list(infos))
        lines += [f"- {label}: {line}" for line in verdict]
    return lines
