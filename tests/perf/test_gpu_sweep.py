"""benchmarks/gpu/sweep.sh, the offline GPU-box runbook, run for real on CPU with tiny presets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.untraced import untraced_env


def _sweep(repo_root: Path, tmp_path: Path, *presets: str, **settings: str) -> Path:
    out = tmp_path / "out"
    # untraced: the runbook's dozen `vlmhyperbench bench` processes repeat what the bench tests measure, and
    # traced they took twice the CPU (tests/untraced.py)
    env = {
        **untraced_env(),
        "OUT": str(out),
        "PYTHON": sys.executable,
        "VLM_DEVICE": "cpu",
        "VLM_BATCH": "1,2",
        "VLM_ATTN": "sdpa",
        "VLM_RUNNER": "generate,static",
        "VLM_NEW_TOKENS": "2",
        "VLM_ROUNDS": "1",
        "VLM_WARMUP": "0",  # the dry run checks the plan and the tables, not warm timings
        "VLM_TESTS": "0",
        "VLM_WHEELHOUSE": str(tmp_path / "no-wheelhouse"),
        **settings,
    }
    result = subprocess.run(
        ["bash", "benchmarks/gpu/sweep.sh", *presets],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["closing.md", "results.tar.gz", "sweep.log", "tables.md"]
    return out


def _runs(out: Path) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    with tarfile.open(out / "results.tar.gz") as archive:
        names = archive.getnames()
        doctor = json.load(archive.extractfile("./doctor.json"))  # type: ignore[arg-type]
        bandwidth = json.load(archive.extractfile("./bandwidth.json"))  # type: ignore[arg-type]
        runs = [json.load(archive.extractfile(n)) for n in names if n.endswith(".json") and "_bench_" in n]  # type: ignore[arg-type]
    return doctor, bandwidth, runs


def test_presets_asked_for_survive_a_bad_one(repo_root: Path, tmp_path: Path) -> None:
    out = _sweep(repo_root, tmp_path, "no-such-preset", "tiny-llava")
    log = (out / "sweep.log").read_text()
    assert "no-such-preset INCOMPLETE" in log and "Unknown preset 'no-such-preset'" in log
    tables = (out / "tables.md").read_text()
    assert "### tiny-llava\n" in tables and "no-such-preset" not in tables
    # two runners x two batch sizes, the runner column shown because static is not stock generate
    assert tables.count("| sdpa | 1 | generate |") == 1 and tables.count("| sdpa | 2 | static |") == 1
    doctor, bandwidth, runs = _runs(out)
    assert any(check["name"] == "torch" for check in doctor["checks"])
    assert bandwidth["device"] == "cpu" and bandwidth["bytes_per_s"] > 0
    (run,) = runs
    assert sorted(b["param"] for b in run["benchmarks"]) == [
        "tiny-llava-sdpa-b1",
        "tiny-llava-sdpa-b1-static",
        "tiny-llava-sdpa-b2",
        "tiny-llava-sdpa-b2-static",
    ]
    closing = (out / "closing.md").read_text()
    rows = [line for line in closing.splitlines() if line.startswith("| tiny-llava")]
    assert len(rows) == 4
    # batch-1 rows carry a roofline fraction, batch-2 rows none
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert bool(re.fullmatch(r"\d+\.\d%", cells[12])) == (cells[3] == "1"), row


@pytest.mark.slow  # the whole issue-15 plan on tiny presets: a dozen model loads on a CPU
def test_the_issue_plan_runs_end_to_end_on_tiny_presets(repo_root: Path, tmp_path: Path) -> None:
    # the stage caps are sized for an H100; a shared CPU box gets 20 times as long
    out = _sweep(repo_root, tmp_path, VLM_SCALE="tiny", VLM_CAP_FACTOR="20", VLM_BUDGET_S="100000")
    log = (out / "sweep.log").read_text()
    assert "out of memory: SKIPPED (a memory cap needs CUDA)" in log and "INCOMPLETE" not in log
    tables = (out / "tables.md").read_text()
    for title in (
        "qwen2-vl-2b sdpa generate",
        "qwen2-vl-2b sdpa static",
        "qwen2-vl-2b eager generate",
        "qwen2-vl-2b overhead (sdpa, generate, vs a bare loop of the same runner)",
        "smolvlm-256m sdpa",
        "qwen2.5-vl-3b sdpa",
        "llava-1.5-7b sdpa",
    ):
        assert f"### {title}\n" in tables, title
    assert "qwen2-vl-2b eager static" not in tables
    closing = (out / "closing.md").read_text()
    assert closing.startswith("HBM copy bandwidth: ")
    assert "| tiny-qwen2-vl | eager | generate | 2 |" in closing
    assert "| tiny-llava | sdpa | generate | 1 |" in closing
    _, _, runs = _runs(out)
    overhead = [b for run in runs for b in run["benchmarks"] if b["extra_info"].get("overhead")]
    assert len(overhead) == 1 and overhead[0]["extra_info"]["overhead"]["rounds"] == 5
