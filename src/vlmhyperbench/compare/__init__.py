"""Regression comparison of benchmark results: across runs, matrix cells and named baselines.

Reads pytest-benchmark JSON (no torch needed), matches benchmarks by name and parameters, and gives each a
ratio with a Hodges-Lehmann / Mann-Whitney confidence interval (`stats.py` says why) and a verdict; a
significant regression worse than the threshold fails the gate. Rendering lives in
`vlmhyperbench.report.compare`.

    vlmhyperbench compare 3.12-cu124-dev:1 3.12-cu124-dev:2        # two runs of a cell
    vlmhyperbench compare 3.12-cu124-prod 3.12-cu124-dev 3.12-cu128-dev   # cross-cell table vs the first
    vlmhyperbench compare 3.12-cu124-dev                           # CI gate: latest run vs the previous one
    vlmhyperbench compare 3.12-cu124-dev --baseline main --fallback-previous   # ... vs baseline `main`
    vlmhyperbench compare 3.12-cu124-dev --save-baseline main      # gate, then store it as `main`
    python -m vlmhyperbench.compare.calibrate --repeats 40          # A/A false alarms, 10 % slowdown caught

Run folders of `vlmhyperbench run` get the quality gate instead (`quality.py`: per metric and group, a
paired test over questions): `vlmhyperbench compare results/run-a results/run-b`.

Exit codes: 0 passed, 1 significant regression beyond --threshold, 2 unusable input (missing or mismatched
results: the message names the benchmark, the cell and the file).
"""

from __future__ import annotations

from vlmhyperbench.compare.comparison import (
    DEFAULT_CONFIDENCE,
    DEFAULT_THRESHOLD,
    BenchmarkRow,
    Comparison,
    Delta,
    Verdict,
    compare,
    judge,
)
from vlmhyperbench.compare.gate import GatePlan, plan_gate
from vlmhyperbench.compare.quality import (
    QualityComparison,
    QualityError,
    QualityRun,
    compare_quality,
    load_quality_run,
    save_quality_baseline,
)
from vlmhyperbench.compare.results import BenchmarkResult, ResultSet, load_result
from vlmhyperbench.compare.stats import PairedChange, RatioEstimate, hodges_lehmann_ratio, paired_change
from vlmhyperbench.compare.storage import resolve, save_baseline
from vlmhyperbench.figures import DEFAULT_FIGURE, FIGURES, Figure, get_figure
from vlmhyperbench.results import ResultError

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DEFAULT_FIGURE",
    "DEFAULT_THRESHOLD",
    "FIGURES",
    "BenchmarkResult",
    "BenchmarkRow",
    "Comparison",
    "Delta",
    "Figure",
    "GatePlan",
    "PairedChange",
    "QualityComparison",
    "QualityError",
    "QualityRun",
    "RatioEstimate",
    "ResultError",
    "ResultSet",
    "Verdict",
    "compare",
    "compare_quality",
    "get_figure",
    "hodges_lehmann_ratio",
    "judge",
    "load_quality_run",
    "load_result",
    "paired_change",
    "plan_gate",
    "resolve",
    "save_baseline",
    "save_quality_baseline",
]
