"""Regression comparison of benchmark results: across runs, matrix cells and named baselines.

Reads pytest-benchmark JSON (no torch needed), matches benchmarks by name and parameters, and gives each a
ratio with a Hodges-Lehmann / Mann-Whitney confidence interval and a verdict. Rendering lives in
`vlmhyperbench.report.compare`; `python -m vlmhyperbench.compare.calibrate` measures the false-alarm and
detection rates on a tiny model.
"""

from __future__ import annotations

from vlmhyperbench.compare.comparison import (
    DEFAULT_CONFIDENCE,
    DEFAULT_THRESHOLD,
    Comparison,
    Delta,
    Row,
    Verdict,
    compare,
    judge,
)
from vlmhyperbench.compare.figures import DEFAULT_FIGURE, FIGURES, Figure, get_figure
from vlmhyperbench.compare.gate import GatePlan, plan_gate
from vlmhyperbench.compare.results import BenchmarkResult, ResultError, ResultSet, load_result
from vlmhyperbench.compare.stats import RatioEstimate, hodges_lehmann_ratio
from vlmhyperbench.compare.storage import (
    list_baselines,
    list_cells,
    list_runs,
    resolve,
    resolve_run,
    save_baseline,
)

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DEFAULT_FIGURE",
    "DEFAULT_THRESHOLD",
    "FIGURES",
    "BenchmarkResult",
    "Comparison",
    "Delta",
    "Figure",
    "GatePlan",
    "RatioEstimate",
    "ResultError",
    "ResultSet",
    "Row",
    "Verdict",
    "compare",
    "get_figure",
    "hodges_lehmann_ratio",
    "judge",
    "list_baselines",
    "list_cells",
    "list_runs",
    "load_result",
    "plan_gate",
    "resolve",
    "resolve_run",
    "save_baseline",
]
