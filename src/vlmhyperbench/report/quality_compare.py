"""Rendering of a quality comparison: rich table, Markdown, JSON, a forest plot and a side-by-side plot.

The table has one row per (compared run, metric, group): baseline and current mean, the change in the
metric's units with its interval, the adjusted p-value and the verdict. `compare.png` draws the same rows,
one panel per metric; `compare_runs.png` puts every run's scores side by side (degradation levels, engines).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vlmhyperbench.compare.comparison import Verdict
from vlmhyperbench.compare.quality import ALL, QualityComparison, QualityDelta, QualityRun, groups
from vlmhyperbench.report import plots
from vlmhyperbench.report.format import md_escape, print_full_width
from vlmhyperbench.writes import refusing_writes

STYLES = {Verdict.BETTER: "green", Verdict.WORSE: "yellow", Verdict.UNCHANGED: "dim"}
HEADERS = ("run", "metric", "group", "n", "baseline", "current", "change", "CI", "p adj.", "verdict")


def _arrow(delta: QualityDelta) -> str:
    return "↑" if delta.higher_is_better else "↓"


def verdict_text(delta: QualityDelta) -> str:
    return delta.verdict.value + (" (fail)" if delta.failed else "")


def row_cells(comparison: QualityComparison, delta: QualityDelta) -> list[str]:
    est = delta.estimate
    interval = "-" if math.isnan(est.low) else f"[{est.low:+.3f}, {est.high:+.3f}]"
    return [
        delta.column,
        f"{delta.metric} {_arrow(delta)}",
        delta.group,
        str(est.n),
        f"{est.baseline_mean:.3f}",
        f"{est.current_mean:.3f}",
        f"{est.change:+.3f}",
        interval,
        f"{delta.q_value:.2g}",
        verdict_text(delta),
    ]


def _title(comparison: QualityComparison) -> str:
    others = ", ".join(o.label for o in comparison.others)
    return f"Quality: baseline {comparison.reference.label} -> {others}"


def _caption(comparison: QualityComparison) -> str:
    return (
        f"change = current - baseline in metric units (↑ higher / ↓ lower is better); "
        f"{comparison.confidence:.0%} CI: paired bootstrap; p adj.: sign-flip permutation test, "
        "Benjamini-Hochberg over the rows; fail: significantly worse by more than "
        f"{comparison.threshold:g}"
    )


def summary(comparison: QualityComparison) -> str:
    if comparison.failed:
        return (
            f"FAILED: {len(comparison.regressions)} significant quality regression(s) beyond "
            f"{comparison.threshold:g}"
        )
    return f"passed: no significant quality regression beyond {comparison.threshold:g}"


def regression_lines(comparison: QualityComparison) -> list[str]:
    """One line per failing row: which run, metric and group, by how much."""
    return [
        f"{d.column}: {d.metric} in {d.group} worse by {d.worse_by:.3f} "
        f"({d.estimate.baseline_mean:.3f} -> {d.estimate.current_mean:.3f}, p adj. {d.q_value:.2g})"
        for d in comparison.regressions
    ]


def _shown(comparison: QualityComparison, everything: bool) -> list[QualityDelta]:
    """The console shows every "all questions" row and any group row that changed significantly."""
    if everything:
        return comparison.deltas
    return [d for d in comparison.deltas if d.group == ALL or d.verdict is not Verdict.UNCHANGED]


def build_table(comparison: QualityComparison, everything: bool = False) -> Table:
    table = Table(title=escape(_title(comparison)), caption=escape(_caption(comparison)))
    for header in HEADERS:
        table.add_column(
            header, justify="left" if header in ("run", "metric", "group", "verdict") else "right"
        )
    for delta in _shown(comparison, everything):
        style = "bold red" if delta.failed else STYLES[delta.verdict]
        table.add_row(*(escape(c) for c in row_cells(comparison, delta)), style=style)
    return table


def print_quality_comparison(comparison: QualityComparison, console: Console) -> None:
    print_full_width(build_table(comparison), console)
    hidden = len(comparison.deltas) - len(_shown(comparison, False))
    if hidden:
        console.print(f"({hidden} group rows with no significant change are in compare.md)", style="dim")
    style = "bold red" if comparison.failed else "bold green"
    console.print(f"[{style}]{escape(summary(comparison))}[/{style}]", highlight=False)
    for warning in comparison.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    for line in regression_lines(comparison):
        console.print(f"[bold red]regression:[/bold red] {escape(line)}", highlight=False)


def to_markdown(comparison: QualityComparison) -> str:
    lines = [
        f"# {md_escape(_title(comparison))}",
        "",
        f"**{summary(comparison)}**",
        "",
        _caption(comparison),
        "",
    ]
    lines += ["| " + " | ".join(HEADERS) + " |", "|---|---|---|" + "---:|" * 6 + "---|"]
    for delta in comparison.deltas:
        cells = [md_escape(c) for c in row_cells(comparison, delta)]  # doc classes come from datasets
        if delta.failed:
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- regression: {line}" for line in regression_lines(comparison)]
    notes += [f"- warning: {w}" for w in comparison.warnings]
    if notes:
        lines += ["", "## Notes", "", *notes]
    lines += [
        "",
        "## Runs compared",
        "",
        "| run | model | questions | finished | folder |",
        "|---|---|---:|---|---|",
    ]
    for run in [comparison.reference, *comparison.others]:
        lines.append(
            f"| {run.label} | {run.model} | {len(run.questions)} | {run.finished or '-'} | `{run.path}` |"
        )
    return "\n".join(lines) + "\n"


def plot_quality_comparison(comparison: QualityComparison) -> bytes:
    """A forest plot, one panel per metric: each group's change with its interval, regressions shaded."""
    metrics = list(dict.fromkeys(d.metric for d in comparison.deltas))
    group_names = list(dict.fromkeys(d.group for d in comparison.deltas))
    columns = [o.label for o in comparison.others]
    fig, axes = plots.figure_grid(
        len(metrics), height=1.3 + 0.32 * len(group_names) * max(1, len(columns)) ** 0.5
    )
    colours = plots.colours(len(columns))
    spread = 0.6 / max(1, len(columns))
    for ax, metric in zip(axes, metrics, strict=True):
        rows = [d for d in comparison.deltas if d.metric == metric]
        up = rows[0].higher_is_better
        finite = [
            abs(v)
            for d in rows
            for v in (d.estimate.low, d.estimate.high, d.estimate.change)
            if math.isfinite(v)
        ]
        extent = max([comparison.threshold * 2, 0.05, *finite]) * 1.15
        worse = -1 if up else 1
        ax.axvspan(worse * comparison.threshold, worse * extent, color="red", alpha=0.08)
        ax.axvline(0, color="black", lw=0.8)
        for col, column in enumerate(columns):
            for d in (d for d in rows if d.column == column):
                y = (
                    len(group_names)
                    - 1
                    - group_names.index(d.group)
                    + (col - (len(columns) - 1) / 2) * spread
                )
                est = d.estimate
                low = est.low if math.isfinite(est.low) else est.change
                high = est.high if math.isfinite(est.high) else est.change
                ax.errorbar([est.change], [y], xerr=[[est.change - low], [high - est.change]], fmt="o",
                            capsize=3, color=colours[col], markersize=4)  # fmt: skip
                if d.failed:
                    ax.plot([est.change], [y], marker="x", color="red", markersize=11, mew=2)
        ax.set_xlim(-extent, extent)
        ax.set_title(f"{metric} {'↑' if up else '↓'} ({'higher' if up else 'lower'} is better)", fontsize=9)
        ax.set_xlabel("change, current - baseline", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(axis="x", alpha=0.3)
        ax.set_ylim(-0.7, len(group_names) - 0.3)
    axes[0].set_yticks(range(len(group_names)))  # shared: the other panels hide their labels
    axes[0].set_yticklabels(list(reversed(group_names)), fontsize=7)
    handles = plots.forest_legend(
        [(f"{column}: mean change", colours[i]) for i, column in enumerate(columns)],
        f"{comparison.confidence:.0%} interval (paired bootstrap)",
        f"worse by more than {comparison.threshold:g} (gate threshold)",
        "fails the gate (significant, beyond threshold)",
    )
    fig.legend(handles=handles, loc="lower center", ncols=min(4, len(handles)), fontsize=7, frameon=False)
    fig.suptitle(_title(comparison), fontsize=10)
    return plots.png(fig, bottom=plots.legend_room(fig, rows=-(-len(handles) // 4)))


def write_quality_report(
    comparison: QualityComparison, out_dir: Path, stem: str = "compare"
) -> dict[str, Path]:
    """compare.md, compare.json, compare.png and compare_runs.png (every run side by side) in `out_dir`."""
    with refusing_writes(out_dir):  # a read-only or mistyped --out is one line naming it
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "markdown": out_dir / f"{stem}.md",
            "json": out_dir / f"{stem}.json",
            "plot": out_dir / f"{stem}.png",
            "runs_plot": out_dir / f"{stem}_runs.png",
        }
        paths["markdown"].write_text(to_markdown(comparison), encoding="utf-8")
        paths["json"].write_text(json.dumps(comparison.to_dict(), indent=2, default=str), encoding="utf-8")
        paths["plot"].write_bytes(plot_quality_comparison(comparison))
        runs = [comparison.reference, *comparison.others]
        paths["runs_plot"].write_bytes(
            plots.runs_side_by_side(
                {run.label: _group_means(run) for run in runs},
                {m: up for m, up in comparison.reference.higher_is_better.items()},
            )
        )
    return paths


def _group_means(run: QualityRun) -> dict[str, dict[str, float]]:
    """metric -> {all questions, each doc class: mean score} of one run."""
    found: dict[str, dict[str, float]] = {}
    for group, ids in groups(run):
        if group != ALL and not group.startswith("doc_class="):
            continue
        name = group.removeprefix("doc_class=")
        for metric in run.higher_is_better:
            values = [run.questions[i].scores[metric] for i in ids]
            found.setdefault(metric, {})[name] = sum(values) / len(values)
    return found
