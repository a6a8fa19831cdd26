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
