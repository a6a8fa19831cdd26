"""The table `vlmhyperbench run` ends with: one row per doc class and an overall row, a column per metric
and the number of questions, as lm-evaluation-harness prints its results (the full tables are in the run
folder; this is what a user reads first).

The figures come from `summary.json`, in the run's scoring profile: the default profile's `by_doc_type`
and `general`, or the `scoring` section of an `upstream` run (metric_evaluator's numbers, BLEU on 0..100).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table

OVERALL = "all"
DECIMALS = 4


def cell(value: object) -> str:
    """A figure as the table shows it: 4 decimals, `-` for a missing one (a group with no reference)."""
    return f"{value:.{DECIMALS}f}" if isinstance(value, int | float) else "-"


def _figures(summary: Mapping[str, Any]) -> tuple[dict[str, bool], list[dict[str, Any]], dict[str, Any]]:
    """(metric -> higher is better, doc class rows, overall row) of the run's scoring profile."""
    scoring = summary.get("scoring") or {"profile": "default"}
    if scoring["profile"] == "default":
        metrics = {name: bool(info["higher_is_better"]) for name, info in summary["metrics"].items()}
        return metrics, list(summary["by_doc_type"]), dict(summary["general"])
    metrics = {name: bool(info["higher_is_better"]) for name, info in scoring["metrics"].items()}
    return metrics, list(scoring["by_doc_type"]), dict(scoring["general"])


def results_table(summary: Mapping[str, Any]) -> Table:
    """Doc class rows and an `all` row; columns: the metrics (with ↑/↓) and n questions answered."""
    metrics, rows, overall = _figures(summary)
    profile = (summary.get("scoring") or {}).get("profile", "default")
    table = Table(title=f"results ({profile} scoring)", title_justify="left")
    table.add_column("doc_class")
    for name, up in metrics.items():
        table.add_column(f"{name} {'↑' if up else '↓'}", justify="right")
    table.add_column("n", justify="right")
    for row in rows:
        table.add_row(str(row["doc_class"]), *(cell(row.get(m)) for m in metrics), str(row["count"]))
    table.add_section()
    table.add_row(OVERALL, *(cell(overall.get(m)) for m in metrics), str(overall.get("count", 0)))
    return table
