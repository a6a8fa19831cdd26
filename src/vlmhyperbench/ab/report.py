"""An A/B run as stored results and as `compare`'s report: the same table, plot, verdict and gate.

<results root>/compare/ab/<time>_<A>_vs_<B>/
    ab.json                 every round (side, block, position, order, timestamp, figures), both sides'
                            environments and settings, the error if a side failed
    A.json, B.json          each side as a speed record (`vlmhyperbench.results.SpeedRecord`), so
                            `vlmhyperbench compare A.json B.json` reads them too (unpaired)
    compare.md/.png/.json   the paired comparison, rendered by `vlmhyperbench.report.compare`
"""

from __future__ import annotations

import datetime
import platform
import re
import statistics
from pathlib import Path
from typing import Any

from vlmhyperbench.ab.driver import ABRun
from vlmhyperbench.ab.stats import METHOD, paired_block_ratio
from vlmhyperbench.compare.comparison import (
    BenchmarkRow,
    Comparison,
    Delta,
    Verdict,
    config_differences,
    judge,
)
from vlmhyperbench.compare.results import ResultSet, load_result
from vlmhyperbench.figures import get_figure
from vlmhyperbench.results import ResultStore, write_json
from vlmhyperbench.results.schema import SpeedCase

AB_DIR = "ab"
MIN_BLOCKS = 6  # fewer complete blocks give no 95 % signed-rank interval


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")[:40] or "side"


def run_folder(store: ResultStore, run: ABRun) -> Path:
    stamp = datetime.datetime.fromisoformat(run.started).strftime("%Y%m%d_%H%M%S")
    names = "_vs_".join(_safe(run.sides[s].where.split(" ")[0].rstrip("/").split("/")[-1]) for s in "AB")
    return store.compare_folder(AB_DIR) / f"{stamp}_{names}"


def side_record(run: ABRun, name: str) -> dict[str, Any]:
    """One side's rounds as a speed record (pytest-benchmark layout, our machine_info and extra_info)."""
    from vlmhyperbench.results.schema import Environment, SpeedRecord

    side = run.sides[name]
    settings = side.settings
    preset = settings.model.removeprefix("dummy:")
    case = SpeedCase(preset, settings.attn or "default", settings.batch)
    rounds = [r for r in run.rounds if r.side == name]
    figures: dict[str, list[float | None]] = {}
    for r in rounds:
        for key, value in r.figures.items():
            figures.setdefault(key, []).append(value)
    latencies = [v for v in figures.get("latency_s", []) if v is not None] or [0.0]
    environment = Environment.model_validate(run.environments.get(name, {}))
    device = str(run.environments.get(name, {}).get("device") or "unknown")
    record = {
        "machine_info": {
            "node": platform.node(),
            "cell": None,
            "schema_version": 1,
            "vlmhyperbench": environment.model_dump(mode="json"),
            "ab_side": side.describe(),
        },
        "commit_info": {"id": environment.git_sha, "dirty": False},
        "benchmarks": [
            {
                "group": case.group,
                "name": case.name,
                "fullname": case.fullname,
                "params": case.params,
                "param": case.param,
                "extra_info": {
                    "config": {
                        "preset": preset,
                        "model": settings.model,
                        "dtype": settings.dtype,
                        "attn_implementation": settings.attn,
                        "batch_size": settings.batch,
                        "new_tokens": settings.new_tokens,
                        "fixed_length": True,
                        "device": device,
                    },
                    "rounds": figures,
                },
                "stats": {
                    "min": min(latencies),
                    "max": max(latencies),
                    "mean": statistics.fmean(latencies),
                    "median": statistics.median(latencies),
                    "stddev": statistics.stdev(latencies) if len(latencies) > 1 else 0.0,
                    "rounds": len(rounds),
                },
            }
        ],
        "datetime": run.started,
        "version": "vlmhyperbench-ab",
    }
    return SpeedRecord.model_validate(record).to_json()


def build_comparison(
    run: ABRun, a: ResultSet, b: ResultSet, threshold: float, confidence: float
) -> Comparison:
    """`compare`'s Comparison of B against A, its one row judged by the paired block statistic."""
    figure = get_figure(run.figure)
    a.label, b.label = f"A: {run.sides['A'].where}", f"B: {run.sides['B'].where}"
    comparison = Comparison(figure, threshold, confidence, a, [b], method=METHOD)
    (key, bench_a), bench_b = next(iter(a.benchmarks.items())), next(iter(b.benchmarks.values()))
    blocks = run.blocks()
    a_values = [v for v in run.values("A") if v is not None]
    b_values = [v for v in run.values("B") if v is not None]
    differences = config_differences(bench_a, bench_b)
    note = ("settings differ: " + "; ".join(differences)) if differences else ""
    if len(blocks) < MIN_BLOCKS:
        delta = Delta(
            b.label, Verdict.ERROR,
            message=f"{len(blocks)} complete blocks: at least {MIN_BLOCKS} are needed for an interval",
        )  # fmt: skip
    else:
        estimate = paired_block_ratio(blocks, confidence)
        verdict, regression, failed = judge(estimate, figure, threshold)
        message = "; ".join(part for part in (note, estimate.note) if part)
        delta = Delta(b.label, verdict, estimate, statistics.median(b_values), regression, failed, message)
    comparison.rows.append(
        BenchmarkRow(
            key, bench_a.name, statistics.median(a_values) if a_values else None, len(a_values), [delta]
        )
    )
    if note:
        comparison.warnings.append(note)
    if run.error:
        comparison.warnings.append(f"stopped early: {run.error}")
    return comparison


def save_run(run: ABRun, store: ResultStore, threshold: float, confidence: float) -> tuple[Path, Comparison]:
    """Write ab.json, A.json and B.json, then the comparison report; returns the folder and comparison."""
    from vlmhyperbench.report.compare import write_report

    folder = run_folder(store, run)
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "ab.json", run.to_dict())
    results = []
    for name in "AB":
        path = write_json(folder / f"{name}.json", side_record(run, name))
        results.append(load_result(path, source=f"{name}: {run.sides[name].where}"))
    comparison = build_comparison(run, results[0], results[1], threshold, confidence)
    write_report(comparison, folder)
    return folder, comparison
