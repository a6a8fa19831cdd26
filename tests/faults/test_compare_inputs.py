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


@pytest.mark.parametrize(
    "gate",
    [
        # as `nox -s "bench-<cell>" -- --compare` calls it
        ("--baseline", "3.12-cu124-dev", "--fallback-previous"),
        ("--require-all",),
    ],
    ids=["ci-gate", "require-all"],
)
def test_6_a_benchmark_missing_from_the_current_run_fails_the_gate(
    dropped: tuple[Path, Path, Path], cli: Cli, gate: tuple[str, ...]
) -> None:
    root, first, second = dropped
    result = cli("compare", "3.12-cu124-dev", "--root", root, *gate)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, output
    assert "FAILED: 1 benchmark(s) of the baseline missing from the current run" in output
    assert (
        f"benchmark 'test_generate[tiny-qwen2-vl-1]' is in the baseline 3.12-cu124-dev run 0001 ({first}) "
        f"but not in the current 3.12-cu124-dev run 0002 ({second})"
    ) in output


def test_6_allow_missing_passes_the_ci_gate_with_the_benchmark_named(
    dropped: tuple[Path, Path, Path], cli: Cli
) -> None:
    root, _, _ = dropped
    gate = ("--baseline", "3.12-cu124-dev", "--fallback-previous", "--allow-missing")
    allowed = cli("compare", "3.12-cu124-dev", "--root", root, *gate)
    output = " ".join((allowed.stdout + allowed.stderr).split())
    assert allowed.returncode == 0, output
    assert "passed" in output
    assert "not compared: 1 only in the baseline 3.12-cu124-dev:0001 (test_generate[tiny-qwen2-vl-1])" in (
        output
    )
    contradiction = cli("compare", "3.12-cu124-dev", "--root", root, "--require-all", "--allow-missing")
    assert "--require-all and --allow-missing contradict" in contradiction.stderr


def test_6_comparing_what_one_just_made_compares_the_shared_benchmarks(
    dropped: tuple[Path, Path, Path], cli: Cli
) -> None:
    """No --baseline: the previous run of the cell, the shared benchmarks judged, the rest in one line."""
    root, _, _ = dropped
    result = cli("compare", "3.12-cu124-dev", "--root", root)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "passed: no significant regression" in output
    lines = [line for line in output.splitlines() if "not compared" in line]
    assert lines == [
        "warning: not compared: 1 only in the baseline 3.12-cu124-dev:0001 (test_generate[tiny-qwen2-vl-1]); "
        "--require-all fails on those missing from the current run"
    ], output
    assert "tiny-qwen2-vl-1]" not in output.split("passed")[0]  # no table row for it


def test_6_a_benchmark_new_in_the_current_run_passes(dropped: tuple[Path, Path, Path], cli: Cli) -> None:
    root, first, second = dropped
    result = cli("compare", second, first, "--root", root)  # the smaller run as the baseline
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, output
    assert f"not compared: 1 only in {first} (test_generate[tiny-qwen2-vl-1])" in output
