"""In one cell, the speed suites and `vlmhyperbench bench` on the same configuration are one benchmark.

Both run for real (subprocesses, a tiny random-weight preset on CPU) into one results root; then
`vlmhyperbench compare <cell>` matches the bench run against the suite run, as the issue asked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vlmhyperbench.results import ResultStore, SpeedCase, load_record

CELL = "3.12-cu128-dev"
PRESET, ATTN, BATCH, NEW_TOKENS = "tiny-llava", "sdpa", 1, 2
CASE = SpeedCase(PRESET, ATTN, BATCH)


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_suite_and_bench_results_of_one_config_are_compared(repo_root: Path, tmp_path: Path) -> None:
    env = {**os.environ, "VLMHYPERBENCH_RESULTS": str(tmp_path), "VLMHYPERBENCH_CELL": CELL}
    _run(
        [
            sys.executable,
            "-m",
            "pytest",
            "benchmarks",
            "-k",
            CASE.param,
            "-p",
            "no:cacheprovider",
            "-q",
            "--benchmark-autosave",
            "--benchmark-save-data",
            f"--vlm-presets={PRESET}",
            f"--vlm-attn={ATTN}",
            f"--vlm-batch={BATCH}",
            f"--vlm-new-tokens={NEW_TOKENS}",
            "--vlm-rounds=2",
            "--vlm-warmup=0",
            "--vlm-device=cpu",
        ],
        env,
        repo_root,
    )
    bench = [sys.executable, "-c", "from vlmhyperbench.cli import main; main()", "bench"]
    _run(
        [
            *bench,
            *("--model", f"dummy:{PRESET}", "--batch", str(BATCH), "--attn", ATTN),
            *("--new-tokens", str(NEW_TOKENS), "--rounds", "2", "--warmup", "0", "--device", "cpu"),
        ],
        env,
        tmp_path,  # the root comes from VLMHYPERBENCH_RESULTS, not the working directory
    )
    store = ResultStore(tmp_path)
    suite_run, bench_run = store.runs(CELL)
    assert "_bench_" in bench_run.path.name and "_bench_" not in suite_run.path.name
    suite, bench_record = (load_record(run.path).benchmarks for run in (suite_run, bench_run))
    assert len(suite) == len(bench_record) == 1
    for entry in (suite[0], bench_record[0]):
        identity = (entry.name, entry.fullname, entry.group, entry.params, entry.param)
        assert identity == (CASE.name, CASE.fullname, CASE.group, CASE.params, CASE.param)
    assert suite[0].extra_info.config == bench_record[0].extra_info.config

    compare = [sys.executable, "-c", "from vlmhyperbench.cli import main; main()", "compare"]
    env["COLUMNS"] = "200"
    gate = _run([*compare, CELL], env, tmp_path)
    assert f"against the previous run of {CELL} ({suite_run.run_id})" in gate
    assert CASE.name in gate and "no benchmark matches" not in gate
    pair = _run([*compare, str(suite_run.path), str(bench_run.path)], env, tmp_path)
    assert CASE.name in pair
