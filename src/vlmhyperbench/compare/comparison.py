"""Match benchmarks between a reference result and one or more others, and judge each pair.

Two results give the pairwise comparison (baseline vs current); more give the cross-cell table, where the
first is the reference and every other result is a column. Each (benchmark, column) pair gets a `Delta`: the
Hodges-Lehmann ratio with its interval (`stats.py`), a verdict, and whether it fails the gate: a *significant*
change in the worse direction whose point estimate is worse than `threshold` (default 5 %).
"""

from __future__ import annotations

import contextlib
import enum
import importlib.metadata
import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from vlmhyperbench.compare.results import BenchmarkResult, ResultSet
from vlmhyperbench.compare.stats import RatioEstimate, hodges_lehmann_ratio
from vlmhyperbench.errors import ResultError, UsageError
from vlmhyperbench.figures import DEFAULT_FIGURE, Figure, get_figure

DEFAULT_THRESHOLD = 0.05
# Config fields that only say how long a case ran: a difference in them is one summary line, not an error
# per benchmark, unless every benchmark is required (`--require-all`, the CI gate)
LENGTH_FIELDS = ("new_tokens", "fixed_length")
NAMES_SHOWN = 3  # benchmark names a summary line lists before "and N more"
DEFAULT_CONFIDENCE = 0.95
METHOD = "Hodges-Lehmann ratio on log scale, Mann-Whitney confidence interval"
# `vlmhyperbench ab`'s rounds, paired by ABBA block (`ab.stats`); named here so reports need not import ab
PAIRED_BLOCKS_METHOD = (
    "Hodges-Lehmann ratio of per-block log means (ABBA blocks), Wilcoxon signed-rank interval"
)


class Verdict(enum.Enum):
    BETTER = "better"
    WORSE = "worse"
    UNCHANGED = "no significant change"
    MISSING = "missing"
    ERROR = "error"

    def label(self, figure: Figure) -> str:
        """`faster`/`slower` for times and throughputs, `smaller`/`larger` for memory."""
        if self is Verdict.BETTER:
            return figure.better
        if self is Verdict.WORSE:
            return figure.worse
        return str(self.value)


@dataclass(frozen=True)
class Delta:
    """One benchmark in one compared result, against the reference."""

    column: str
    verdict: Verdict
    estimate: RatioEstimate | None = None
    median: float | None = None
    regression: float | None = None  # fraction worse than the reference (negative: better)
    failed: bool = False  # a significant regression beyond the threshold, or a benchmark the current lacks
    message: str = ""  # why a row is missing or in error, or a note on the statistics
    unmatched: str = ""  # why it was not compared: "baseline" / "current" (only there), "length"


@dataclass(frozen=True)
class BenchmarkRow:
    key: str
    name: str
    reference_median: float | None
    reference_rounds: int
    deltas: list[Delta]


@dataclass
class Comparison:
    figure: Figure
    threshold: float
    confidence: float
    reference: ResultSet
    others: list[ResultSet]
    rows: list[BenchmarkRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    method: str = METHOD  # how the intervals were made (`vlmhyperbench ab` pairs rounds by block)

    @property
    def cross_cell(self) -> bool:
        return len(self.others) > 1

    @property
    def regressions(self) -> list[tuple[BenchmarkRow, Delta]]:
        return [
            (row, delta)
            for row in self.rows
            for delta in row.deltas
            if delta.failed and delta.verdict is not Verdict.MISSING
        ]

    @property
    def dropped(self) -> list[tuple[BenchmarkRow, Delta]]:
        """Benchmarks of the baseline that a current result lacks (they fail the gate unless allowed)."""
        return [
            (row, delta)
            for row in self.rows
            for delta in row.deltas
            if delta.failed and delta.verdict is Verdict.MISSING
        ]

    def unmatched(self, reason: str) -> list[tuple[BenchmarkRow, Delta]]:
        """The (row, column) pairs not compared for `reason`: only in the "baseline", only in the
        "current" result, or measured at another "length"."""
        return [(row, d) for row in self.rows for d in row.deltas if d.unmatched == reason]

    @property
    def shown_rows(self) -> list[BenchmarkRow]:
        """The rows a table shows: all but those whose every column was left out without failing (the
        summary lines name those)."""
        return [row for row in self.rows if not all(d.unmatched and not d.failed for d in row.deltas)]

    @property
    def compared(self) -> int:
        """How many (benchmark, column) pairs got an estimate."""
        return sum(d.estimate is not None for row in self.rows for d in row.deltas)

    @property
    def errors(self) -> list[str]:
        return [delta.message for row in self.rows for delta in row.deltas if delta.verdict is Verdict.ERROR]

    @property
    def failed(self) -> bool:
        return any(delta.failed for row in self.rows for delta in row.deltas)

    def exit_code(self) -> int:
        """1 for a significant regression beyond the threshold or a benchmark missing from a current
        result (unless allowed), 2 for unusable results, else 0."""
        if self.failed:
            return 1
        return 2 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary for CI artifacts."""

        def result_info(result: ResultSet) -> dict[str, Any]:
            return {
                "label": result.label,
                "source": result.source,
                "path": str(result.path),
                "cell": result.cell,
                "run_id": result.run_id,
                "datetime": result.datetime,
                "environment": result.environment.model_dump(mode="json"),
            }

        return {
            "figure": self.figure.name,
            "higher_is_better": self.figure.higher_is_better,
            "threshold": self.threshold,
            "confidence": self.confidence,
            "method": self.method,
            "reference": result_info(self.reference),
            "others": [result_info(other) for other in self.others],
            "rows": [
                {
                    "benchmark": row.name,
                    "key": row.key,
                    "reference_median": row.reference_median,
                    "reference_rounds": row.reference_rounds,
                    "columns": [
                        {
                            "column": d.column,
                            "verdict": d.verdict.label(self.figure),
                            "median": d.median,
                            "ratio": d.estimate.ratio if d.estimate else None,
                            "ci_low": d.estimate.low if d.estimate else None,
                            "ci_high": d.estimate.high if d.estimate else None,
                            "p_value": d.estimate.p_value if d.estimate else None,
                            "rounds": d.estimate.n_current if d.estimate else None,
                            "regression": d.regression,
                            "failed": d.failed,
                            "message": d.message,
                            "unmatched": d.unmatched or None,  # baseline / current (only there), length
                        }
                        for d in row.deltas
                    ],
                }
                for row in self.rows
            ],
            "warnings": self.warnings,
            "compared_by": _compared_by(),
            "failed": self.failed,
            "exit_code": self.exit_code(),
        }


def _compared_by() -> dict[str, Any]:
    """Where the comparison itself ran (the results carry their own environments; no torch import here)."""
    import datetime
    import platform

    from vlmhyperbench.env.info import git_sha

    try:
        version: str | None = importlib.metadata.version("vlmhyperbench")
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {
        "vlmhyperbench": version,
        "python": platform.python_version(),
        "git_sha": git_sha(),
        "datetime": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }


def judge(
    estimate: RatioEstimate, figure: Figure, threshold: float = DEFAULT_THRESHOLD
) -> tuple[Verdict, float, bool]:
    """Verdict, regression fraction and gate failure for one estimate (also what the calibration counts)."""
    regression = figure.regression(estimate.ratio)
    if not estimate.significant:
        return Verdict.UNCHANGED, regression, False
    if regression > 0:
        return Verdict.WORSE, regression, regression > threshold
    return Verdict.BETTER, regression, False


def _assign_labels(results: list[ResultSet]) -> None:
    """Column titles: the cell id, made unique with the run id or the source when cells repeat."""
    firsts = [r.source if r.source.startswith("baseline:") else r.cell or r.source for r in results]
    for result, first in zip(results, firsts, strict=True):
        label = first
        if firsts.count(first) > 1:
            label = (
                result.source if result.source != first else f"{first}:{result.run_id or result.path.name}"
            )
        result.label = label
    labels = [r.label for r in results]
    for index, result in enumerate(results):
        if labels.count(result.label) > 1:
            result.label = f"{result.label} #{index + 1}"


def config_differences(a: BenchmarkResult, b: BenchmarkResult) -> list[str]:
    """`dtype: bfloat16 vs float16` for every config field both record and that differ."""
    return [
        f"{name}: {a.config[name]!r} vs {b.config[name]!r}"
        for name in sorted(set(a.config) & set(b.config))
        if a.config[name] != b.config[name]
    ]


def _delta(
    reference: ResultSet,
    ref_bench: BenchmarkResult,
    other: ResultSet,
    bench: BenchmarkResult,
    figure: Figure,
    threshold: float,
    confidence: float,
    allow_mismatch: bool,
    require_all: bool = True,
) -> Delta:
    column = other.label
    differences = config_differences(ref_bench, bench)
    note = ""
    length_only = all(d.split(":")[0] in LENGTH_FIELDS for d in differences)
    if differences and length_only and not allow_mismatch and not require_all:
        message = f"benchmark {bench.name!r}: measured with other lengths ({'; '.join(differences)})"
        return Delta(column, Verdict.MISSING, message=message, unmatched="length")
    if differences:
        text = (
            f"benchmark {bench.name!r}: config differs between {reference.describe()} and "
            f"{other.describe()}: {'; '.join(differences)}"
        )
        if not allow_mismatch:
            return Delta(column, Verdict.ERROR, message=text + " (pass --allow-mismatch to compare anyway)")
        note = "config differs: " + "; ".join(differences)
    if not ref_bench.rounds and not bench.rounds:
        # e.g. the overhead benchmark: it reports a ratio, not per-round figures; nothing to judge, no error.
        return Delta(
            column,
            Verdict.MISSING,
            message=f"benchmark {bench.name!r} ({column}): records no per-round figures, nothing to judge",
        )
    try:
        base = reference.values(ref_bench, figure.name)
        cur = other.values(bench, figure.name)
        estimate = hodges_lehmann_ratio(base, cur, confidence)
    except ResultError as exc:
        return Delta(column, Verdict.ERROR, message=str(exc))
    except ValueError as exc:
        return Delta(column, Verdict.ERROR, message=f"benchmark {bench.name!r}, {figure.name}: {exc}")
    verdict, regression, failed = judge(estimate, figure, threshold)
    message = "; ".join(part for part in (note, estimate.note) if part)
    return Delta(column, verdict, estimate, statistics.median(cur), regression, failed, message)


def _missing(name: str, reference: ResultSet, other: ResultSet, in_reference: bool, fails: bool) -> Delta:
    """The row of a benchmark only one side has; the message names both files and which role each plays.

    A benchmark of the baseline that the current result lacks fails the gate when `fails` (the CI gate:
    a crashed or skipped case must not pass as "no regression")."""
    if in_reference:
        message = (
            f"benchmark {name!r} is in the baseline {reference.describe()} "
            f"but not in the current {other.describe()}"
        )
        if fails:
            message += " (--allow-missing passes the gate anyway)"
        return Delta(other.label, Verdict.MISSING, message=message, failed=fails, unmatched="baseline")
    message = (
        f"benchmark {name!r} is in the current {other.describe()} but not in the baseline "
        f"{reference.describe()}: new, nothing to compare it with"
    )
    return Delta(other.label, Verdict.MISSING, message=message, unmatched="current")


def _names(pairs: list[tuple[BenchmarkRow, Delta]]) -> str:
    names = list(dict.fromkeys(row.name for row, _ in pairs))
    more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
    return ", ".join(names[:NAMES_SHOWN]) + more


def unmatched_summary(comparison: Comparison) -> list[str]:
    """Whatever their number, one line for the benchmarks only one side has (those that fail the gate have
    their own lines), one for those measured with other lengths, one when rounds differ."""
    lines = []
    only_baseline = [(r, d) for r, d in comparison.unmatched("baseline") if not d.failed]
    only_current = comparison.unmatched("current")
    parts = []
    if only_baseline:
        parts.append(f"{len(only_baseline)} only in the baseline {comparison.reference.label} "
                     f"({_names(only_baseline)})")  # fmt: skip
    if only_current:
        labels = ", ".join(dict.fromkeys(d.column for _, d in only_current))  # the results that have them
        parts.append(f"{len(only_current)} only in {labels} ({_names(only_current)})")
    if parts:
        tail = "; --require-all fails on those missing from the current run" if only_baseline else ""
        lines.append(f"not compared: {', '.join(parts)}{tail}")
    length = comparison.unmatched("length")
    if length:
        fields = sorted({d.message.rsplit(" (", 1)[-1].rstrip(")") for _, d in length})
        lines.append(
            f"not compared: {len(length)} benchmark(s) measured with other lengths ({'; '.join(fields)}): "
            "compare runs of one length, or --allow-mismatch compares them anyway"
        )
    return lines + _rounds_note(comparison)


def _rounds_note(comparison: Comparison) -> list[str]:
    """One line when the compared benchmarks were measured with different numbers of rounds."""
    counts = {
        (row.reference_rounds, d.estimate.n_current)
        for row in comparison.rows
        for d in row.deltas
        if d.estimate is not None
    }
    differing = sorted((a, b) for a, b in counts if a != b)
    if not differing:
        return []
    pairs = ", ".join(f"{a} vs {b}" for a, b in differing[:NAMES_SHOWN])
    return [f"rounds differ (baseline vs current: {pairs}): the intervals account for it"]


def compare(
    reference: ResultSet,
    others: list[ResultSet],
    figure: str | Figure = DEFAULT_FIGURE,
    threshold: float = DEFAULT_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    allow_mismatch: bool = False,
    allow_missing: bool = False,
    require_all: bool = True,
) -> Comparison:
    """Compare `others` with `reference` on one figure; ResultError when no benchmark matches at all.

    With `require_all` (the CI gate) a benchmark of the reference that another result lacks fails the gate
    (a crashed or skipped case must not pass as "no regression") unless `allow_missing`, and a config that
    differs in length is an error. Without it (comparing what one just made) the shared benchmarks are
    compared and the others are summed up in `warnings`, a line per kind (`unmatched_summary`).
    """
    if not others:
        raise UsageError("nothing to compare the reference with")
    if threshold < 0:
        raise UsageError(f"threshold must be >= 0, got {threshold}")
    if not 0.0 < confidence < 1.0:  # checked here, not per benchmark: no report is written with it
        raise UsageError(f"--confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    spec = figure if isinstance(figure, Figure) else get_figure(figure)
    _assign_labels([reference, *others])
    comparison = Comparison(spec, threshold, confidence, reference, others)

    for other in others:
        if not set(reference.benchmarks) & set(other.benchmarks):
            raise ResultError(
                f"no benchmark matches between {reference.describe()} and {other.describe()} "
                f"({reference.label} has {_listed(reference)}; {other.label} has {_listed(other)}): "
                "compare two runs of the same suite or `bench` settings (`vlmhyperbench results` lists "
                "each cell's runs)"
            )
    fails = require_all and not allow_missing

    keys = list(reference.benchmarks)
    for other in others:
        keys += [key for key in other.benchmarks if key not in keys]
    for key in keys:
        ref_bench = reference.benchmarks.get(key)
        name = (ref_bench or next(o.benchmarks[key] for o in others if key in o.benchmarks)).name
        deltas = []
        for other in others:
            bench = other.benchmarks.get(key)
            if ref_bench is None and bench is None:  # only a third result has it: name that one, not this
                holders = ", ".join(o.describe() for o in others if key in o.benchmarks)
                message = (
                    f"benchmark {name!r} is in neither the baseline nor {other.describe()} (only {holders})"
                )
                deltas.append(Delta(other.label, Verdict.MISSING, message=message))
                continue
            if ref_bench is None or bench is None:
                deltas.append(_missing(name, reference, other, in_reference=ref_bench is not None,
                                       fails=fails))  # fmt: skip
                continue
            deltas.append(_delta(reference, ref_bench, other, bench, spec, threshold, confidence,
                                 allow_mismatch, require_all))  # fmt: skip
        ref_values: list[float] = []
        if ref_bench is not None:
            with contextlib.suppress(ResultError):  # the delta already says what is wrong with it
                ref_values = reference.values(ref_bench, spec.name)
        comparison.rows.append(
            BenchmarkRow(
                key, name, statistics.median(ref_values) if ref_values else None, len(ref_values), deltas
            )
        )
        for delta in deltas:
            if delta.failed and delta.verdict is Verdict.MISSING:  # each fails the gate: named one by one
                comparison.warnings.append(delta.message)
            elif delta.estimate is not None and math.isinf(delta.estimate.high):
                comparison.warnings.append(
                    f"benchmark {name!r} ({delta.column}): {delta.estimate.note}, so it can never fail the "
                    "gate; measure more rounds (8 or more recommended)"
                )
    comparison.warnings += unmatched_summary(comparison)
    return comparison


def _listed(result: ResultSet) -> str:
    names = sorted(b.name for b in result.benchmarks.values())
    more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
    return ", ".join(names[:NAMES_SHOWN]) + more
