"""The benchmarks/ suite: parametrisation per scale, and it refuses to run under pytest-xdist."""

from __future__ import annotations

import importlib.util
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
