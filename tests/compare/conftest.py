"""Result files for the compare tests: golden copies of real pytest-benchmark runs (make_results.py).

data/results holds, as our pytest plugin stores them (`<root>/<cell>/<machine id>/NNNN_*.json`):
3.12-cu124-dev runs 0001 (base) and 0002 (15 % slower), 3.12-cu128-dev (as fast as base), 3.10-cu124-dev
(12 % slower) and 3.12-cu124-prod (bfloat16: a config mismatch).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "results"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A private copy of the results root, so tests may write baselines and reports into it."""
    copy = tmp_path / "results"
    shutil.copytree(DATA, copy)
    return copy
