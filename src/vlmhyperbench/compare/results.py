"""Speed records as compare sees them, without torch.

A stored record (`vlmhyperbench.results.SpeedRecord`) becomes a `ResultSet`: where it came from (cell, run
id, environment) and its benchmarks keyed by name and parameters, each with its per-round figures
(`extra_info.rounds`) and config (`extra_info.config`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmhyperbench.errors import ResultError
from vlmhyperbench.results.schema import BenchmarkEntry, CommitInfo, Environment
from vlmhyperbench.results.storage import RUN_FILE, load_record


@dataclass(frozen=True)
class BenchmarkResult:
    key: str  # what matching uses: name (with its parameter ids) plus the parameters
    name: str
    fullname: str
    params: dict[str, Any]
    config: dict[str, Any]
    rounds: dict[str, list[float | None]]
    metrics: dict[str, Any]


@dataclass
class ResultSet:
    """One results file: its provenance and its benchmarks."""

    path: Path
    source: str  # as the user addressed it: a path, `3.12-cu124-dev:0003`, `baseline:main`
    cell: str | None
    run_id: str | None
    datetime: str | None
    environment: Environment
    commit: CommitInfo
    benchmarks: dict[str, BenchmarkResult] = field(default_factory=dict)
    label: str = ""  # column title in tables; set by the comparison so that it is unique

    def describe(self) -> str:
        """`3.12-cu124-dev run 0003 (path)`: how error messages name this result."""
        where = self.cell or "unknown cell"
        run = f" run {self.run_id}" if self.run_id else ""
        return f"{where}{run} ({self.path})"

    def values(self, benchmark: BenchmarkResult, figure: str) -> list[float]:
        """The per-round values of `figure`, or a ResultError that names benchmark, cell and file."""
        if figure not in benchmark.rounds:
            have = ", ".join(sorted(benchmark.rounds)) or "none: extra_info['rounds'] is missing"
            raise ResultError(
                f"benchmark {benchmark.name!r} in {self.describe()} has no per-round {figure!r} "
                f"(figures it has: {have})"
            )
        values = benchmark.rounds[figure]
        if not isinstance(values, list) or not values:
            raise ResultError(f"benchmark {benchmark.name!r} in {self.describe()}: no rounds of {figure!r}")
        if any(v is None for v in values):
            raise ResultError(
                f"benchmark {benchmark.name!r} in {self.describe()}: {figure!r} was not measured in "
                f"{sum(v is None for v in values)} of {len(values)} rounds (e.g. GPU memory on a CPU run)"
            )
        try:
            return [float(v) for v in values if v is not None]  # none is: checked above
        except (TypeError, ValueError):
            raise ResultError(
                f"benchmark {benchmark.name!r} in {self.describe()}: rounds of {figure!r} are not numbers"
            ) from None


def benchmark_key(name: str, params: dict[str, Any] | None) -> str:
    if not params:
        return name
    return f"{name} {json.dumps(params, sort_keys=True, default=str)}"


def _benchmark(entry: BenchmarkEntry, key: str) -> BenchmarkResult:
    info = entry.extra_info
    return BenchmarkResult(
        key=key,
        name=entry.name,
        fullname=entry.fullname,
        params=dict(entry.params or {}),
        config=info.config.model_dump() if info.config else {},
        rounds={name: list(values) for name, values in info.rounds.items()},
        metrics=dict(info.metrics),
    )


def load_result(path: str | Path, source: str | None = None) -> ResultSet:
    """Read one stored speed record (any pytest-benchmark JSON file)."""
    path = Path(path)
    record = load_record(path)
    match = RUN_FILE.match(path.name)
    result = ResultSet(
        path=path,
        source=source or str(path),
        cell=record.cell,
        run_id=match.group(1) if match else None,
        datetime=record.datetime,
        environment=record.environment,
        commit=record.commit_info,
    )
    keys = [benchmark_key(entry.name, entry.params) for entry in record.benchmarks]
    for entry, key in zip(record.benchmarks, keys, strict=True):
        if keys.count(key) > 1:  # same test name in two modules: fall back to the full node id
            key = benchmark_key(entry.fullname, entry.params)
        if key in result.benchmarks:
            raise ResultError(f"{path}: benchmark {key!r} appears twice")
        result.benchmarks[key] = _benchmark(entry, key)
    if not result.benchmarks:
        raise ResultError(f"{path} holds no benchmarks")
    return result
