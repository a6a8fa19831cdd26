"""Rendering of a regression comparison: rich table, Markdown, PNG plot and JSON, one place for all four.

Pairwise (two results): one row per benchmark with baseline, current, change, interval, p and verdict.
Cross-cell (more results): one column per compared result, each cell "value / change [interval] / verdict".
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vlmhyperbench.compare.comparison import (
    METHOD,
    PAIRED_BLOCKS_METHOD,
    BenchmarkRow,
    Comparison,
    Delta,
    Verdict,
)
from vlmhyperbench.compare.results import ResultSet
from vlmhyperbench.figures import Figure
from vlmhyperbench.report.format import md_escape, md_row, print_full_width, readable
from vlmhyperbench.report.plots import forest_legend
from vlmhyperbench.report.serving_plots import serving_comparison
from vlmhyperbench.writes import refusing_writes

ENVIRONMENT_FACTS = ("python", "torch", "torch_cuda", "transformers", "gpu", "driver", "profile", "git_sha")
STYLES = {
    Verdict.BETTER: "green",
    Verdict.WORSE: "yellow",
    Verdict.UNCHANGED: "dim",
    Verdict.MISSING: "dim italic",
    Verdict.ERROR: "red",
}


# Short names of the interval methods for the plot's legend (`Comparison.method` is the long form).
INTERVAL_NAMES = {METHOD: "Hodges-Lehmann / Mann-Whitney", PAIRED_BLOCKS_METHOD: "paired blocks, signed-rank"}


def _value_header(name: str, figure: Figure) -> str:
    return name if figure.unit in ("s", "B") else f"{name} ({figure.unit})"


def _percent(ratio: float, sign: str = "%") -> str:
    if not math.isfinite(ratio):
        return "inf"
    return f"{(ratio - 1) * 100:+.1f}{sign}"


def format_change(delta: Delta) -> str:
    return _percent(delta.estimate.ratio) if delta.estimate else "-"


def format_interval(delta: Delta) -> str:
    est = delta.estimate
    if est is None:
        return "-"
    if est.low <= 0 or not math.isfinite(est.high):
        return "n/a"
    return f"[{_percent(est.low, '')}, {_percent(est.high, '')}]%"


def format_p(delta: Delta) -> str:
    return "-" if delta.estimate is None else f"{delta.estimate.p_value:.2g}"


def verdict_text(delta: Delta, figure: Figure) -> str:
    """`slower`, or `slower (fail)` when the row fails the gate."""
    text = delta.verdict.label(figure)
    if delta.failed:
        text += " (fail)"
    return text


def _title(comparison: Comparison) -> str:
    figure = comparison.figure
    return f"{figure.label} ({figure.name}, {figure.direction})"


def _caption(comparison: Comparison) -> str:
    return f"change = current/baseline - 1; {comparison.confidence:.0%} interval: {comparison.method}"


def summary(comparison: Comparison) -> str:
    """One line: did the gate pass."""
    if comparison.failed:
        parts = []
        if comparison.regressions:
            parts.append(
                f"{len(comparison.regressions)} significant regression(s) beyond {comparison.threshold:.0%}"
            )
        if comparison.dropped:
            dropped = len(comparison.dropped)
            parts.append(f"{dropped} benchmark(s) of the baseline missing from the current run")
        return "FAILED: " + "; ".join(parts)
    if comparison.errors:
        return f"ERROR: {len(comparison.errors)} comparison(s) could not be made"
    if not comparison.compared:
        return "nothing compared: no benchmark of both results could be judged (see below why)"
    return f"passed: no significant regression beyond {comparison.threshold:.0%}"


def _row_cells_pairwise(comparison: Comparison, row: BenchmarkRow) -> list[str]:
    unit = comparison.figure.unit
    delta = row.deltas[0]
    return [
        row.name,
        readable(row.reference_median, unit, with_unit=False),
        readable(delta.median, unit, with_unit=False),
        format_change(delta),
        format_interval(delta),
        format_p(delta),
        verdict_text(delta, comparison.figure),
    ]


def _delta_lines(comparison: Comparison, delta: Delta) -> list[str]:
    if delta.estimate is None:
        return [verdict_text(delta, comparison.figure)]
    return [
        readable(delta.median, comparison.figure.unit),
        f"{format_change(delta)} {format_interval(delta)}",
        verdict_text(delta, comparison.figure),
    ]


def build_table(comparison: Comparison) -> Table:
    reference = comparison.reference
    title = _title(comparison)
    if not comparison.cross_cell:
        title += f"\nbaseline {reference.label} -> current {comparison.others[0].label}"
    table = Table(title=escape(title), caption=escape(_caption(comparison)), show_lines=comparison.cross_cell)
    table.add_column("benchmark", overflow="fold", min_width=12)
    if not comparison.cross_cell:
        table.add_column(_value_header("baseline", comparison.figure), justify="right")
        table.add_column(_value_header("current", comparison.figure), justify="right")
        for name in ("change", f"{comparison.confidence:.0%} CI", "p"):
            table.add_column(name, justify="right")
        table.add_column("verdict")
        for row in comparison.shown_rows:
            delta = row.deltas[0]
            style = "bold red" if delta.failed else STYLES[delta.verdict]
            table.add_row(*(escape(cell) for cell in _row_cells_pairwise(comparison, row)), style=style)
        return table
    table.add_column(f"{escape(reference.label)}\n(reference)", justify="right")
    for other in comparison.others:
        table.add_column(escape(other.label), justify="right")
    for row in comparison.shown_rows:
        cells = [escape(row.name), readable(row.reference_median, comparison.figure.unit)]
        for delta in row.deltas:
            style = "bold red" if delta.failed else STYLES[delta.verdict]
            cells.append(f"[{style}]" + escape("\n".join(_delta_lines(comparison, delta))) + f"[/{style}]")
        table.add_row(*cells)
    return table


def print_comparison(comparison: Comparison, console: Console) -> None:
    if comparison.shown_rows:
        print_full_width(build_table(comparison), console)
    style = "bold red" if comparison.exit_code() else "bold green"
    console.print(f"[{style}]{summary(comparison)}[/{style}]", highlight=False)
    for warning in comparison.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    for error in comparison.errors:
        console.print(f"[red]error:[/red] {escape(error)}", highlight=False)
    for row, delta in comparison.regressions:
        assert delta.regression is not None
        console.print(
            f"[bold red]regression:[/bold red] {escape(row.name)} in {escape(delta.column)}: "
            f"{comparison.figure.label} {delta.regression:.1%} worse (threshold {comparison.threshold:.0%})",
            highlight=False,
        )


def _md_sources(results: list[ResultSet]) -> list[str]:
    lines = ["| result | cell | run | measured | file | " + " | ".join(ENVIRONMENT_FACTS) + " |"]
    lines.append("|" + "---|" * (len(ENVIRONMENT_FACTS) + 5))
    for result in results:
        where = [result.cell or "-", result.run_id or "-", result.datetime or "-"]
        facts = [str(getattr(result.environment, name) or "-") for name in ENVIRONMENT_FACTS]
        cells = [result.label, *where, f"`{result.path}`", *facts]
        lines.append(md_row(cells))
    return lines


def to_markdown(comparison: Comparison) -> str:
    figure = comparison.figure
    lines = [
        f"# Comparison: {md_escape(_title(comparison))}",
        "",
        f"**{summary(comparison)}**",
        "",
        _caption(comparison),
        "",
    ]
    if not comparison.cross_cell:
        other = comparison.others[0]
        headers = [
            "benchmark",
            f"{_value_header('baseline', figure)}: {comparison.reference.label}",
            f"{_value_header('current', figure)}: {other.label}",
            "change",
            f"{comparison.confidence:.0%} CI",
            "p",
            "verdict",
        ]
        lines += [md_row(headers), "|---|" + "---:|" * 5 + "---|"]
        for row in comparison.shown_rows:
            cells = _row_cells_pairwise(comparison, row)
            if row.deltas[0].failed:
                cells[-1] = f"**{cells[-1]}**"
            lines.append(md_row(cells))
    else:
        headers = ["benchmark", f"{comparison.reference.label} (reference)"] + [
            o.label for o in comparison.others
        ]
        lines += [md_row(headers), "|---|" + "---:|" * (len(headers) - 1)]
        for row in comparison.shown_rows:
            cells = [row.name, readable(row.reference_median, figure.unit)]
            for delta in row.deltas:
                text = "\n".join(_delta_lines(comparison, delta))  # md_row escapes the lines
                cells.append(f"**{text}**" if delta.failed else text)
            lines.append(md_row(cells, breaks="<br>"))
    notes = [f"- warning: {md_escape(w)}" for w in comparison.warnings]
    notes += [f"- error: {md_escape(e)}" for e in comparison.errors]
    notes += [
        f"- {md_escape(f'{row.name} ({delta.column}): {delta.message}')}"
        for row in comparison.rows
        for delta in row.deltas
        if delta.message and delta.verdict not in (Verdict.MISSING, Verdict.ERROR)
    ]
    if notes:
        lines += ["", "## Notes", "", *notes]
    lines += ["", "## Results compared", "", *_md_sources([comparison.reference, *comparison.others]), ""]
    return "\n".join(lines)


def plotted_rows(comparison: Comparison) -> list[BenchmarkRow]:
    """The rows with an estimate in some column: what the forest plot has to show (none: no plot)."""
    return [row for row in comparison.rows if any(d.estimate is not None for d in row.deltas)]


def plot_comparison(comparison: Comparison, path: Path) -> Path:
    """A forest plot: change in % per benchmark with its interval, the gate threshold shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = plotted_rows(comparison)
    n_cols = len(comparison.others)
    fig, ax = plt.subplots(figsize=(9, 2.2 + 0.45 * len(rows) * max(1, n_cols) ** 0.5))
    sign = -1 if comparison.figure.higher_is_better else 1  # the direction in which "worse" lies
    limit = 100 * comparison.threshold
    worse_edge = 1000.0 * sign
    ax.axvspan(sign * limit, worse_edge, color="red", alpha=0.08)
    ax.axvline(0, color="black", lw=0.8)
    colours = plt.get_cmap("tab10")
    spread = 0.6 / max(1, n_cols)
    extent = limit * 2
    for col in range(n_cols):
        ys, xs, lows, highs = [], [], [], []
        for index, row in enumerate(rows):
            est = row.deltas[col].estimate
            if est is None:
                continue
            y = len(rows) - 1 - index + (col - (n_cols - 1) / 2) * spread
            x = 100 * (est.ratio - 1)
            low = 100 * (est.low - 1) if est.low > 0 else x
            high = 100 * (est.high - 1) if math.isfinite(est.high) else x
            ys.append(y)
            xs.append(x)
            lows.append(x - low)
            highs.append(high - x)
            extent = max(extent, abs(low), abs(high))
            if row.deltas[col].failed:
                ax.plot([x], [y], marker="x", color="red", markersize=12)
        ax.errorbar(xs, ys, xerr=[lows, highs], fmt="o", capsize=3, color=colours(col))
    ax.set_xlim(-extent * 1.15, extent * 1.15)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([row.name for row in reversed(rows)], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(f"change in {comparison.figure.label} vs {comparison.reference.label} (%)")
    ax.set_title(_title(comparison), fontsize=10)
    handles = forest_legend(
        [(f"{other.label}: median change", colours(col)) for col, other in enumerate(comparison.others)],
        f"{comparison.confidence:.0%} interval ({INTERVAL_NAMES.get(comparison.method, comparison.method)})",
        f"{comparison.figure.worse} by more than {limit:g} % (gate threshold)",
        "fails the gate (significant, beyond threshold)",
    )
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(comparison: Comparison, out_dir: Path, stem: str = "compare") -> dict[str, Path]:
    """compare.md, compare.json and, when some benchmark was compared, compare.png in `out_dir`; where two
    or more of the results are serving sweeps, also their figure (compare-serving.png), linked from
    compare.md.

    With nothing to plot no chart is written, and an older one of ours there is removed: it would sit
    beside this report as if it showed it."""
    with refusing_writes(out_dir):  # a read-only or mistyped --out is one line naming it
        out_dir.mkdir(parents=True, exist_ok=True)
        markdown = out_dir / f"{stem}.md"
        served = serving_comparison(
            [comparison.reference, *comparison.others], out_dir / f"{stem}-serving.png"
        )
        markdown.write_text(to_markdown(comparison) + "\n".join(served), encoding="utf-8")
        data = out_dir / f"{stem}.json"
        data.write_text(json.dumps(comparison.to_dict(), indent=2, default=str), encoding="utf-8")
        paths = {"markdown": markdown, "json": data}
        plot = out_dir / f"{stem}.png"
        if plotted_rows(comparison):
            paths["plot"] = plot_comparison(comparison, plot)
        else:
            plot.unlink(missing_ok=True)
    return paths
