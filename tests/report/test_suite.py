"""A speed-suite run: each benchmark's headline figures on its progress line, and at the end our figures per
benchmark, the results file and the compare command.

The unit tests render recorded suite results; the slow one is the first hour as README tells it, for real:
a bench cell's suite on a tiny preset, then `vlmhyperbench bench ... --new-tokens 16` into the same cell,
then `vlmhyperbench compare <cell>` (passes, one summary line, no empty chart) and the CI gate's form of it
(fails on the benchmark the bench run lacks).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vlmhyperbench.report.suite import by_title, measured_rows, next_step, progress_figures, suite_summary
from vlmhyperbench.results import ResultStore

DATA = Path(__file__).resolve().parents[1] / "compare" / "data" / "results"
CELL = "3.12-cu128-dev"


def _recorded() -> list[dict[str, Any]]:
    path = next((DATA / "3.12-cu124-dev").glob("*/0001_*.json"))
    return [bench["extra_info"] for bench in json.loads(path.read_text(encoding="utf-8"))["benchmarks"]]


def test_one_table_per_model_with_our_figures() -> None:
    infos = _recorded()
    groups = by_title(measured_rows(infos))
    assert len(groups) == 2 and [len(rows) for rows in groups.values()] == [2, 2]
    text = suite_summary(infos, Path("/r/0001.json"), next_step(CELL, Path("/r/0001.json"), 2), width=200)
    for title in ("TTFT", "TPOT", "decode", "tok/s", "img/s", "p50", "p90", "vision"):
        assert title in text
    assert "tiny-qwen2-vl · " in text and "tiny-llava · " in text  # a title line per model
    assert text.splitlines()[-2:] == [
        "results: /r/0001.json",
        f"compare with the previous run of {CELL}: vlmhyperbench compare {CELL}",
    ]


def test_the_overhead_ratio_joins_the_row_of_its_configuration() -> None:
    generate = _recorded()[0]
    overhead = {"config": generate["config"], "overhead": {"ratio": 0.991}}
    rows = measured_rows([generate, overhead])
    assert len(rows) == 1 and rows[0]["overhead"] == {"ratio": 0.991}
    assert "0.991" in suite_summary([generate, overhead], None, None, width=200)
    assert "overhead" not in generate  # the caller's dict is left alone


def test_a_progress_line_shows_the_headline_figures_as_the_table_writes_them() -> None:
    llava = next(info for info in _recorded() if info["config"]["preset"] == "tiny-llava")
    line = progress_figures(llava)
    assert line == "TTFT 19.8 ms  TPOT 6.4 ms  decode 156.6 tok/s  images 4.6 img/s"
    row = next(r for r in suite_summary([llava], None, None, width=200).splitlines() if "19.8" in r)
    assert row.split()[2:5] == ["19.8", "6.4", "156.6"]  # the same cells as the table at the end


def test_a_progress_line_leaves_out_what_was_not_measured() -> None:
    llava = next(info for info in _recorded() if info["config"]["preset"] == "tiny-llava")
    partial = {**llava, "metrics": {**llava["metrics"], "ttft_s": None, "images_per_s": float("nan")}}
    assert progress_figures(partial) == "TPOT 6.4 ms  decode 156.6 tok/s"
    assert progress_figures({"config": llava["config"]}) == ""  # a benchmark that recorded nothing
    overhead = {"config": llava["config"], "overhead": {"ratio": 0.9912}}
    assert progress_figures(overhead) == "vs bare tok/s 0.991"


def test_a_first_run_says_when_compare_will_have_something() -> None:
    assert next_step(CELL, Path("x.json"), 1) == (
        f"first run of {CELL}: after the next one, `vlmhyperbench compare {CELL}` compares the two"
    )
    assert next_step(CELL, None, 3) is None


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


@pytest.mark.slow
def test_the_first_hour_suite_then_bench_then_compare(repo_root: Path, tmp_path: Path) -> None:
    env = {**os.environ, "VLMHYPERBENCH_RESULTS": str(tmp_path), "VLMHYPERBENCH_CELL": CELL, "COLUMNS": "250"}
    suite = _run(
        [sys.executable, "-m", "pytest", "benchmarks", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-k", "tiny-qwen2-vl-sdpa-b1 or overhead", "--benchmark-autosave", "--benchmark-save-data",
         "--vlm-presets=tiny-qwen2-vl", "--vlm-attn=sdpa", "--vlm-batch=1", "--vlm-rounds=4",
         "--vlm-warmup=0", "--vlm-device=cpu"],
        env, repo_root,
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    (first,) = ResultStore(tmp_path).runs(CELL)
    out = suite.stdout
    assert "test_generate[tiny-qwen2-vl-sdpa-b1] PASSED (1/2, 1 left)" in out  # a line per benchmark
    summary = out[out.index("vlmhyperbench figures") :]  # after pytest-benchmark's tables
    for figure in ("TTFT", "TPOT", "decode", "tok/s", "img/s", "vs bare"):
        assert figure in summary
    assert f"results: {first.path}" in summary
    assert f"first run of {CELL}: after the next one, `vlmhyperbench compare {CELL}`" in summary

    cli = [sys.executable, "-m", "vlmhyperbench.cli"]
    bench = [*cli, "bench", "--model", "dummy:tiny-qwen2-vl", "--batch", "1,4", "--new-tokens", "16",
             "--rounds", "2", "--warmup", "0", "--device", "cpu"]  # fmt: skip
    done = _run(bench, env, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    compare = _run([*cli, "compare", CELL], env, tmp_path)
    output = compare.stdout + compare.stderr
    assert compare.returncode == 0, output
    unmatched = [line for line in output.splitlines() if "only in" in line]
    assert unmatched == [
        f"warning: not compared: 1 only in the baseline {CELL}:0001 (test_overhead_against_bare_generate), "
        f"1 only in {CELL}:0002 (test_generate[tiny-qwen2-vl-sdpa-b4]); --require-all fails on those "
        "missing from the current run"
    ], output
    assert "measured with other lengths (new_tokens: 8 vs 16)" in output
    assert "missing (fail)" not in output and "error:" not in output  # no row per benchmark, no error
    assert not (tmp_path / "compare" / "compare.png").exists()  # nothing compared: no empty chart
    assert (tmp_path / "compare" / "compare.md").is_file()

    gate = _run([*cli, "compare", CELL, "--baseline", CELL, "--fallback-previous"], env, tmp_path)
    output = gate.stdout + gate.stderr
    assert gate.returncode == 1, output
    assert "FAILED: 1 benchmark(s) of the baseline missing from the current run" in output
