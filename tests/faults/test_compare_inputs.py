"""Fault catalogue, issue 13: `compare --confidence 1.5` was accepted and overwrote the default report."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture


DATA = Path(__file__).resolve().parents[1] / "compare" / "data" / "results"


@pytest.mark.parametrize("confidence", ["1.5", "0", "1", "-0.2"])
def test_compare_refuses_a_confidence_outside_0_1_before_writing(
    tmp_path: Path,
    confidence: str,
    cli: Cli,
    one_line_error: OneLineError,
) -> None:
    root = Path(shutil.copytree(DATA, tmp_path / "results"))
    result = cli("compare", "3.12-cu124-dev", "--root", root, "--confidence", confidence)
    message = one_line_error(result)
    assert "--confidence" in message and "between 0 and 1" in message
    assert not (root / "compare").exists()


@pytest.fixture
def dropped(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A results root whose cell has run 0001 and a later run 0002 without its first benchmark."""
    import json

    source = next((DATA / "3.12-cu124-dev").glob("*/0001_*.json"))
    folder = tmp_path / "results" / "3.12-cu124-dev" / source.parent.name
    folder.mkdir(parents=True)
    first = Path(shutil.copy(source, folder / source.name))
    data = json.loads(source.read_text(encoding="utf-8"))
    data["benchmarks"] = data["benchmarks"][1:]  # the same numbers, one benchmark fewer
    data["datetime"] = "2026-11-26T00:00:00+00:00"
    second = folder / "0002_bench_later.json"
    second.write_text(json.dumps(data), encoding="utf-8")
    return tmp_path / "results", first, second


def test_6_a_benchmark_missing_from_the_current_run_fails_the_gate(
    dropped: tuple[Path, Path, Path], cli: Cli
) -> None:
    root, first, second = dropped
    result = cli("compare", "3.12-cu124-dev", "--root", root)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, output
    assert "FAILED: 1 benchmark(s) of the baseline missing from the current run" in output
    assert (
        f"benchmark 'test_generate[tiny-qwen2-vl-1]' is in the baseline 3.12-cu124-dev run 0001 ({first}) "
        f"but not in the current 3.12-cu124-dev run 0002 ({second})"
    ) in output
    allowed = cli("compare", "3.12-cu124-dev", "--root", root, "--allow-missing")
    output = " ".join((allowed.stdout + allowed.stderr).split())
    assert allowed.returncode == 0, output
    assert "passed" in output and f"but not in the current 3.12-cu124-dev run 0002 ({second})" in output


def test_6_a_benchmark_new_in_the_current_run_passes(dropped: tuple[Path, Path, Path], cli: Cli) -> None:
    root, first, second = dropped
    result = cli("compare", second, first, "--root", root)  # the smaller run as the baseline
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, output
    assert f"is in the current 3.12-cu124-dev run 0001 ({first}) but not in the baseline" in output
