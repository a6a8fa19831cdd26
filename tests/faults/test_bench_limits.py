"""Fault catalogue, issue 13: `bench --batch 100000000` grew memory until the OS killed it.

A batch that cannot fit on this machine is refused before anything of it is allocated, in one line that
says how much it needs; a sweep that measured nothing exits 1. The subprocess runs under an address-space
limit, so a regression ends in a MemoryError here rather than in the OOM killer on a shared machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

OneLineError = Callable[..., str]  # the `one_line_error` fixture (tests/faults/conftest.py)

ADDRESS_SPACE_LIMIT = 12 * 2**30  # torch on CPU and a tiny model fit well inside it


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def test_7_a_batch_that_cannot_fit_is_refused_before_allocating(
    tmp_path: Path, one_line_error: OneLineError
) -> None:
    pytest.importorskip("torch")
    args = ["bench", "--model", "dummy:tiny-smolvlm", "--batch", "100000000", "--new-tokens", "2",
            "--rounds", "1", "--warmup", "0", "--device", "cpu", "--results", str(tmp_path)]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "300"}
    command = [sys.executable, "-m", "vlmhyperbench.cli", *args]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, preexec_fn=_limited
    )
    message = one_line_error(result, code=1)
    assert "no case measured" in message and "batch 100000000 does not fit: it needs at least" in message
    assert "this machine has" in message and "choose a smaller --batch" in message
