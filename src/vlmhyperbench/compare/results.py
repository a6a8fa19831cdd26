"""Benchmark results as read from pytest-benchmark JSON files (contract 3), without torch.

A file becomes a `ResultSet`: where it came from (cell, run id, environment) and its benchmarks keyed by name
and parameters, each with its per-round figures (`extra_info["rounds"]`) and config (`extra_info["config"]`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmhyperbench.errors import ResultError

RUN_FILE = re.compile(r"^(\d{4})_")


@dataclass(frozen=True)
class BenchmarkResult:
    key: str  # what matching uses: name (with its parameter ids) plus the parameters
    name: str
    fullname: str
    params: dict[str, Any]
    config: dict[str, Any]
    rounds: dict[str, list[float]]
    metrics: dict[str, Any]


@dataclass
class ResultSet:
    """One results file: its provenance and its benchmarks."""

    path: Path
    source: str  # as the user addressed it: a path, `3.12-cu124-dev:0003`, `baseline:main`
    cell: str | None
    run_id: str | None
    datetime: str | None
    environment: dict[str, Any]
    commit: dict[str, Any]
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
            return [float(v) for v in values]
        except (TypeError, ValueError):
            raise ResultError(
                f"benchmark {benchmark.name!r} in {self.describe()}: rounds of {figure!r} are not numbers"
            ) from None


def benchmark_key(name: str, params: dict[str, Any] | None) -> str:
    if not params:
        return name
    return f"{name} {json.dumps(params, sort_keys=True, default=str)}"


def _benchmark(entry: dict[str, Any], key: str) -> BenchmarkResult:
    extra = entry.get("extra_info") or {}
    rounds = extra.get("rounds") or {}
    return BenchmarkResult(
        key=key,
        name=str(entry.get("name") or entry.get("fullname")),
        fullname=str(entry.get("fullname") or entry.get("name")),
        params=dict(entry.get("params") or {}),
        config=dict(extra.get("config") or {}),
        rounds={str(k): v for k, v in rounds.items()} if isinstance(rounds, dict) else {},
        metrics=dict(extra.get("metrics") or {}),
    )


def load_result(path: str | Path, source: str | None = None) -> ResultSet:
    """Read one pytest-benchmark JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultError(f"no result file {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultError(f"cannot read {path} as JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ResultError(f"{path} is not a pytest-benchmark result (no 'benchmarks' list)")
    machine = data.get("machine_info") or {}
    match = RUN_FILE.match(path.name)
    result = ResultSet(
        path=path,
        source=source or str(path),
        cell=machine.get("cell"),
        run_id=match.group(1) if match else None,
        datetime=data.get("datetime"),
        environment=dict(machine.get("vlmhyperbench") or {}),
        commit=dict(data.get("commit_info") or {}),
    )
    entries = [e for e in data["benchmarks"] if isinstance(e, dict)]
    names = [benchmark_key(str(e.get("name")), e.get("params")) for e in entries]
    for entry, key in zip(entries, names, strict=True):
        if names.count(key) > 1:  # same test name in two modules: fall back to the full node id
            key = benchmark_key(str(entry.get("fullname")), entry.get("params"))
        if key in result.benchmarks:
            raise ResultError(f"{path}: benchmark {key!r} appears twice")
        result.benchmarks[key] = _benchmark(entry, key)
    if not result.benchmarks:
        raise ResultError(f"{path} holds no benchmarks")
    return result
