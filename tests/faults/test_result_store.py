"""Fault catalogue, issue 25 item 3: the result store under concurrency and corruption.

Two (here four) processes saving into one cell at the same instant keep every file under its own number;
a truncated, empty or non-JSON file among good ones is named by `compare` (never skipped so that "latest"
is an older file) and listed by `pytest-benchmark list`; a baseline is written whole, fsynced, under a
unique temporary name, so a planted `.NAME.json.partial` link is never written through.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture
DATA = Path(__file__).resolve().parents[1] / "compare" / "data" / "results"
CELL = "3.12-cu124-dev"
SAVER = """
import sys, time
from pathlib import Path
from vlmhyperbench.results import ResultStore, load_record
record = load_record(sys.argv[2])
start = float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
for _ in range(int(sys.argv[4])):
    ResultStore(sys.argv[1]).save(record)
"""


def _golden() -> Path:
    return next((DATA / CELL).glob("*/0001_*.json"))


def test_processes_saving_into_one_cell_at_once_lose_nothing_and_number_uniquely(tmp_path: Path) -> None:
    root, workers, each = tmp_path / "results", 4, 12
    start = time.time() + 8  # every worker imported and waiting before the first save
    processes = [
        subprocess.Popen([sys.executable, "-c", SAVER, str(root), str(_golden()), str(start), str(each)])
        for _ in range(workers)
    ]
    assert [p.wait(timeout=300) for p in processes] == [0] * workers
    files = sorted(root.glob(f"{CELL}/*/[0-9]*.json"))
    numbers = [int(f.name[:4]) for f in files]
    assert len(files) == workers * each  # the same commit and second: one name each, none overwritten
    assert sorted(numbers) == list(range(1, workers * each + 1))


@pytest.mark.parametrize("content", [b"", b'{"benchmarks": [', b"\x00\xff not json"])
def test_a_broken_newest_result_file_is_named_never_skipped(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path, content: bytes
) -> None:
    root = Path(shutil.copytree(DATA, tmp_path / "results"))
    folder = _golden().parent.relative_to(DATA)
    broken = root / folder / "0003_bench_cut.json"
    broken.write_bytes(content)
    output = one_line_error(cli("compare", CELL, "--root", root))  # latest is the broken file: named
    assert str(broken) in output
    listed = subprocess.run(
        [Path(sys.executable).parent / "pytest-benchmark", "--storage", f"file://{root / CELL}", "list"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert str(broken) in listed.stdout


def test_a_baseline_is_written_atomically_never_through_a_planted_partial_link(tmp_path: Path) -> None:
    from vlmhyperbench.results import ResultStore

    store = ResultStore(tmp_path / "results")
    users = tmp_path / "users-notes.txt"
    users.write_text("mine\n", encoding="utf-8")
    target = store.baseline_path("main")
    target.parent.mkdir(parents=True)
    (target.parent / f".{target.name}.partial").symlink_to(users)
    saved = store.save_baseline(_golden(), "main")
    assert saved.read_bytes() == _golden().read_bytes() and not saved.is_symlink()
    assert users.read_text(encoding="utf-8") == "mine\n"
    leftovers = [p.name for p in target.parent.iterdir() if re.match(r"^\.main\.json\..+\.partial$", p.name)]
    assert leftovers == []
