"""Fault catalogue, issue 13: output paths the file system refuses (a read-only disk, a missing folder).

Each ends in one line naming the path, never a traceback, and never loses what was measured: `bench`
saves its results before it writes the Markdown table, and says truthfully when nothing could be saved.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture

RESULTS = Path(__file__).resolve().parents[1] / "compare" / "data" / "results"
TINY_BENCH = ("bench", "--model", "dummy:tiny-smolvlm", "--new-tokens", "2", "--rounds", "1", "--warmup", "0",
              "--device", "cpu")  # fmt: skip


def _saved(results: Path) -> list[Path]:
    return sorted(results.glob("*/*/0001_bench_*.json"))


def test_bench_markdown_into_a_missing_folder_creates_it(tmp_path: Path, cli: Cli) -> None:
    pytest.importorskip("torch")
    markdown = tmp_path / "notes" / "missing" / "table.md"
    result = cli(*TINY_BENCH, "--results", tmp_path / "results", "--markdown", markdown)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| sdpa | 1 |" in markdown.read_text(encoding="utf-8") and len(_saved(tmp_path / "results")) == 1


def test_bench_markdown_refused_keeps_the_saved_results(
    tmp_path: Path, read_only_dir: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    pytest.importorskip("torch")
    markdown = read_only_dir / "table.md"
    result = cli(*TINY_BENCH, "--results", tmp_path / "results", "--markdown", markdown)
    message = one_line_error(result)
    assert f"cannot write {markdown}: Read-only file system [errno 30]" in message
    (saved,) = _saved(tmp_path / "results")
    assert f"results: {saved}" in result.stdout + result.stderr and "TTFT" in result.stdout


def test_5_bench_results_on_a_read_only_disk_says_nothing_was_saved(
    read_only_dir: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    pytest.importorskip("torch")
    result = cli(*TINY_BENCH, "--results", read_only_dir / "results")
    message = one_line_error(result)
    assert f"cannot write {read_only_dir / 'results'}" in message and "Read-only file system" in message
    assert "kept" not in message and "nothing was measured or saved" in message


def test_3_compare_out_on_a_read_only_disk(
    tmp_path: Path, read_only_dir: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    root = Path(shutil.copytree(RESULTS, tmp_path / "results"))
    out = read_only_dir / "compare"
    message = one_line_error(cli("compare", "3.12-cu124-dev", "--root", root, "--out", out))
    assert f"cannot write {out}: Read-only file system [errno 30]" in message


def test_compare_out_an_existing_file(tmp_path: Path, cli: Cli, one_line_error: OneLineError) -> None:
    root = Path(shutil.copytree(RESULTS, tmp_path / "results"))
    out = tmp_path / "compare.txt"
    out.write_text("mine", encoding="utf-8")
    message = one_line_error(cli("compare", "3.12-cu124-dev", "--root", root, "--out", out))
    assert f"cannot write {out}" in message
    assert out.read_text(encoding="utf-8") == "mine"
