"""benchmarks/gpu/sweep.sh, the offline GPU-box runbook, run for real on CPU with a tiny preset."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path


def test_sweep_writes_tables_results_and_log_and_survives_a_bad_preset(
    repo_root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    env = {
        **os.environ,
        "OUT": str(out),
        "PYTHON": sys.executable,
        "VLM_DEVICE": "cpu",
        "VLM_BATCH": "1,2",
        "VLM_ATTN": "sdpa",
        "VLM_NEW_TOKENS": "2",
        "VLM_ROUNDS": "1",
        "VLM_WARMUP": "0",
        "VLM_TESTS": "0",
        "VLM_WHEELHOUSE": str(tmp_path / "no-wheelhouse"),
    }
    result = subprocess.run(
        ["bash", "benchmarks/gpu/sweep.sh", "no-such-preset", "tiny-llava"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["results.tar.gz", "sweep.log", "tables.md"]
    log = (out / "sweep.log").read_text()
    assert "no-such-preset FAILED" in log and "Unknown preset 'no-such-preset'" in log
    tables = (out / "tables.md").read_text()
    assert (
        "### tiny-llava\n" in tables and "### tiny-llava overhead (sdpa, vs a bare generate loop)" in tables
    )
    assert "no-such-preset" not in tables
    assert tables.count("| sdpa | 1 |") == 2 and tables.count("| sdpa | 2 |") == 1
    with tarfile.open(out / "results.tar.gz") as archive:
        names = archive.getnames()
        doctor = json.load(archive.extractfile("./doctor.json"))  # type: ignore[arg-type]
        runs = [json.load(archive.extractfile(n)) for n in names if n.endswith(".json") and "_bench_" in n]  # type: ignore[arg-type]
    assert any(check["name"] == "torch" for check in doctor["checks"])
    assert sorted(len(run["benchmarks"]) for run in runs) == [1, 2]
    overhead = next(run for run in runs if len(run["benchmarks"]) == 1)["benchmarks"][0]["extra_info"]
    assert overhead["overhead"]["rounds"] == 5
