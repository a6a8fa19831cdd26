"""The benchmarks/ suite: parametrisation per scale, it refuses to run under pytest-xdist, and each
benchmark's progress line carries its figures."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vlm_benchmarks_conftest", BENCHMARKS / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_refuses_xdist_workers_and_controller() -> None:
    conftest = _conftest()
    with pytest.raises(pytest.UsageError, match="must not run under pytest-xdist"):
        conftest.pytest_configure(SimpleNamespace(option=SimpleNamespace(numprocesses=2)))
    with pytest.raises(pytest.UsageError, match="must not run under pytest-xdist"):
        conftest.pytest_configure(SimpleNamespace(option=SimpleNamespace(), workerinput={}))
    conftest.pytest_configure(SimpleNamespace(option=SimpleNamespace(numprocesses=None)))


def test_pytest_benchmarks_under_xdist_exits_nonzero_with_one_line() -> None:
    """The real command a user would type: pytest-benchmark alone would only warn and disable itself."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "benchmarks", "-n", "2", "-p", "no:cacheprovider"],
        cwd=BENCHMARKS.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("ERROR: the vlmhyperbench speed suites must not run under pytest-xdist")


def test_full_scale_collects_every_real_preset_batch_and_attention() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(BENCHMARKS),
            "--collect-only",
            "-q",
            "--vlm-scale=full",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        cwd=BENCHMARKS.parent,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ids = [line for line in result.stdout.splitlines() if "::test_generate[" in line]
    assert len(ids) == 4 * 2 * 3  # real-size presets x eager/sdpa x batch 1/8/32
    assert any("qwen2-vl-2b-sdpa-b32" in line for line in ids)
    assert not any("tiny-" in line for line in ids)


CAPACITY_PLUGIN = '''
"""A device that fits 2 sequences: larger batches raise CUDA's out-of-memory error, as a full GPU does."""
import torch
from vlmhyperbench.engines.hf import HFEngine

_measure = HFEngine.measure


def measure(self, queries, *args, **kwargs):
    if len(queries) > 2:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
    return _measure(self, queries, *args, **kwargs)


HFEngine.measure = measure
'''


def test_a_batch_that_does_not_fit_is_skipped_and_the_others_are_saved(tmp_path: Path) -> None:
    (tmp_path / "capacity_plugin.py").write_text(CAPACITY_PLUGIN)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(BENCHMARKS / "test_generate_speed.py"),
            "-p",
            "capacity_plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            "--vlm-presets=tiny-llava",
            "--vlm-attn=sdpa",
            "--vlm-batch=1,4,2",
            "--vlm-new-tokens=2",
            "--vlm-rounds=1",
            "--vlm-warmup=0",
            "--vlm-device=cpu",
            f"--benchmark-json={tmp_path / 'out.json'}",
        ],
        capture_output=True,
        text=True,
        cwd=BENCHMARKS.parent,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 1 skipped" in result.stdout
    assert "left)" not in result.stdout and "PASSED" not in result.stdout  # -q: pytest's own letters, words
    assert "out of memory at batch 4: CUDA out of memory. Tried to allocate 20.00 GiB" in result.stdout
    saved = json.loads((tmp_path / "out.json").read_text())
    assert [b["param"] for b in saved["benchmarks"]] == ["tiny-llava-sdpa-b1", "tiny-llava-sdpa-b2"]


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        capture_output=True,
        text=True,
        cwd=BENCHMARKS.parent,
        timeout=300,
    )


def test_runners_are_an_axis_and_stock_generate_keeps_its_ids() -> None:
    result = _pytest(str(BENCHMARKS), "--collect-only", "--vlm-scale=full", "--vlm-runner=generate,compiled")
    assert result.returncode == 0, result.stdout + result.stderr
    ids = [line for line in result.stdout.splitlines() if "::test_generate[" in line]
    assert len(ids) == 4 * 2 * 2 * 3
    assert any(line.endswith("[qwen2-vl-2b-sdpa-b32]") for line in ids)
    assert any(line.endswith("[qwen2-vl-2b-sdpa-b32-compiled]") for line in ids)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--vlm-runner=graphs"], "Unknown runner 'graphs'. Available: generate, static, compiled"),
        (["--vlm-runner=compiled", "--vlm-warmup=0"], "'compiled' needs at least one warm-up round"),
    ],
)
def test_a_runner_that_cannot_run_is_a_usage_error(options: list[str], message: str) -> None:
    result = _pytest(str(BENCHMARKS), "--collect-only", *options)
    assert result.returncode != 0 and message in result.stdout + result.stderr


def test_a_runner_is_recorded_with_its_compile_time_apart(tmp_path: Path) -> None:
    result = _pytest(
        str(BENCHMARKS / "test_generate_speed.py"),
        "--vlm-presets=tiny-llava",
        "--vlm-attn=sdpa",
        "--vlm-batch=1",
        "--vlm-runner=generate,static",
        "--vlm-new-tokens=2",
        "--vlm-rounds=1",
        "--vlm-warmup=1",
        "--vlm-device=cpu",
        f"--benchmark-json={tmp_path / 'out.json'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    generate, static = json.loads((tmp_path / "out.json").read_text())["benchmarks"]
    assert (generate["param"], static["param"]) == ("tiny-llava-sdpa-b1", "tiny-llava-sdpa-b1-static")
    assert [b["extra_info"]["config"]["runner"] for b in (generate, static)] == ["generate", "static"]
    assert "runner" not in generate["extra_info"]  # stock generate compiles nothing
    assert (
        static["extra_info"]["runner"]["compile_s"] >= 0
        and len(static["extra_info"]["runner"]["warmup_s"]) == 1
    )


def test_a_benchmark_line_carries_its_figures_as_it_finishes(tmp_path: Path) -> None:
    """The real suite on one small benchmark: its progress line has the figures it saved (no table needed)."""
    env = {**os.environ, "VLMHYPERBENCH_RESULTS": str(tmp_path), "VLMHYPERBENCH_CELL": "3.12-cu128-dev",
           "HF_HUB_OFFLINE": "1", "COLUMNS": "250"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "benchmarks", "-p", "no:xdist", "-p", "no:cacheprovider", "-rA",
         "-k", "test_generate", "--benchmark-autosave", "--benchmark-save-data", "--vlm-presets=tiny-llava",
         "--vlm-batch=1", "--vlm-attn=sdpa", "--vlm-rounds=1", "--vlm-device=cpu"],
        capture_output=True, text=True, cwd=BENCHMARKS.parent, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    (saved,) = tmp_path.glob("3.12-cu128-dev/*/0001_*.json")
    metrics = json.loads(saved.read_text())["benchmarks"][0]["extra_info"]["metrics"]
    prefix = "benchmarks/test_generate_speed.py::test_generate[tiny-llava-sdpa-b1] PASSED (1/1, 0 left)  "
    (line,) = [line for line in result.stdout.splitlines() if line.startswith(prefix)]
    found = re.fullmatch(
        r"TTFT (\S+) ms  TPOT (\S+) ms  decode (\S+) tok/s  images (\S+) img/s +\[100%\]", line[len(prefix) :]
    )
    assert found is not None, line
    recorded = [metrics["ttft_s"] * 1e3, metrics["tpot_s"] * 1e3, metrics["decode_tokens_per_s"],
                metrics["images_per_s"]]  # fmt: skip
    for text, value in zip(found.groups(), recorded, strict=True):  # what this benchmark saved, rounded
        decimals = len(text.partition(".")[2])
        assert float(text) == pytest.approx(value, abs=0.5 * 10**-decimals + 1e-9), (text, value)
    assert result.stdout.count("(1/1, 0 left)") == 2  # the line, and the -rA summary asking again
    assert "(2/1" not in result.stdout


def test_without_the_figures_module_the_line_keeps_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prod profile's release has no `vlmhyperbench.report.suite`: the line then names the place only."""
    conftest = _conftest()
    info = {"metrics": {"ttft_s": 0.02, "tpot_s": 0.006}}
    assert conftest._progress_figures(info) == "TTFT 20.0 ms  TPOT 6.0 ms"
    monkeypatch.setitem(sys.modules, "vlmhyperbench.report.suite", None)  # its import now fails
    assert conftest._progress_figures(info) == ""
