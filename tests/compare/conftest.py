"""Result files for the compare tests: golden copies of real pytest-benchmark runs (make_results.py).

data/results holds, as our pytest plugin stores them (`<root>/<cell>/<machine id>/NNNN_*.json`):
3.12-cu124-dev runs 0001 (base) and 0002 (15 % slower), 3.12-cu128-dev (as fast as base), 3.10-cu124-dev
(12 % slower) and 3.12-cu124-prod (bfloat16: a config mismatch).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "results"

# `vlmhyperbench compare` in a fresh interpreter where any import of torch fails: the gate's promise.
BLOCK_TORCH = """
import sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked in this test")
sys.meta_path.insert(0, NoTorch())
sys.argv = ["vlmhyperbench", "compare", *sys.argv[1:]]
from vlmhyperbench.cli import main
main()
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A private copy of the results root, so tests may write baselines and reports into it."""
    copy = tmp_path / "results"
    shutil.copytree(DATA, copy)
    return copy


@pytest.fixture
def compare_without_torch() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs `vlmhyperbench compare ARGS` where torch cannot be imported, so a stray import fails the test."""

    def run(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", BLOCK_TORCH, *map(str, args)]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)

    return run
