"""Stored results, typed: the speed record and run summary schemas, and the one store that files them.

    store = ResultStore()                      # $VLMHYPERBENCH_RESULTS or .benchmarks/
    run = store.run("3.12-cu128-dev")          # latest; "previous", "0003", "3"
    record = load_record(run.path)             # SpeedRecord: machine_info, benchmarks[].extra_info...
    store.save(record)                         # <cell>/<machine id>/NNNN_bench_....json, atomically

Needs neither torch nor (until a schema class is used) pydantic: `noxfile.py` imports the store under
`uvx nox`, whose environment has no pydantic, so the schema classes load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vlmhyperbench.errors import ResultError
from vlmhyperbench.results.storage import (
    RESULTS_ENV_VAR,
    ResultStore,
    StoredRun,
    SweepFile,
    load_record,
    load_run_summary,
    results_root,
    save_run_summary,
    write_json,
)

if TYPE_CHECKING:
    from vlmhyperbench.results.schema import (
        SCHEMA_VERSION,
        BenchmarkEntry,
        BenchmarkStats,
        CommitInfo,
        Environment,
        FailedCase,
        MachineInfo,
        RunSummary,
        SpeedCase,
        SpeedConfig,
        SpeedInfo,
        SpeedRecord,
    )


def __getattr__(name: str) -> Any:
    """The schema classes, imported (with pydantic) on first use."""
    if name in __all__:
        from vlmhyperbench.results import schema

        return getattr(schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RESULTS_ENV_VAR",
    "SCHEMA_VERSION",
    "BenchmarkEntry",
    "BenchmarkStats",
    "CommitInfo",
    "Environment",
    "FailedCase",
    "MachineInfo",
    "ResultError",
    "ResultStore",
    "RunSummary",
    "SpeedCase",
    "SpeedConfig",
    "SpeedInfo",
    "SpeedRecord",
    "StoredRun",
    "SweepFile",
    "load_record",
    "load_run_summary",
    "results_root",
    "save_run_summary",
    "write_json",
]
