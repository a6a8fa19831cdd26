"""`vlmhyperbench results` through the real CLI: speed runs per cell, quality runs per folder; read-only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "compare" / "data" / "results"


def _results(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "400"}
    env.pop("VLMHYPERBENCH_RESULTS", None)
    command = [sys.executable, "-m", "vlmhyperbench.cli", "results", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder with `.benchmarks/` (recorded suite runs of four cells) and one scored quality run
    in `results/run-a/` (the real scoring pipeline on a synthetic set; no model)."""
    from tests.compare.test_quality import reference_answers, scored_run
    from vlmhyperbench.data.synth import synthesize

    root = tmp_path_factory.mktemp("workspace")
    shutil.copytree(DATA, root / ".benchmarks")
    dataset = synthesize(root / "data", n=2, seed=0).root
    scored_run(dataset, root / "results" / "run-a", reference_answers(dataset))
    return root


def _snapshot(root: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_results_lists_speed_runs_per_cell_and_quality_runs(workspace: Path) -> None:
    before = _snapshot(workspace)
    done = _results(cwd=workspace)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "speed runs in .benchmarks" in out and "quality runs in results" in out
    run = next((DATA / "3.12-cu124-dev").glob("*/0002_*.json"))
    line = next(line for line in out.splitlines() if run.name in line)
    assert "3.12-cu124-dev" in line and "0002" in line and "decode" in line and "tok/s (median of" in line
    quality = next(line for line in out.splitlines() if line.lstrip("│ ").startswith("results"))
    assert "crafted" in quality and "cer 0.0000" in quality
    assert _snapshot(workspace) == before  # only read


def test_results_json_is_one_entry_per_run(workspace: Path) -> None:
    done = _results("--json", cwd=workspace)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    stored = sorted(DATA.glob("*/*/*.json"))
    speed = [row for row in rows if row["kind"] == "speed"]
    assert sorted(Path(row["path"]).name for row in speed) == sorted(p.name for p in stored)
    assert all(row["figure"] == "decode_tokens_per_s" and row["value"] > 0 for row in speed)
    (quality,) = [row for row in rows if row["kind"] == "quality"]
    assert quality["run"] == "run-a" and quality["cases"] == 10 and quality["figure"] == "cer"
    assert quality["value"] == 0.0 and quality["problem"] is None


def test_results_with_no_runs_says_where_they_will_go(tmp_path: Path) -> None:
    done = _results(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no runs yet" in done.stdout and "vlmhyperbench run" in done.stdout
    assert not any(tmp_path.iterdir())
