"""`vlmhyperbench compare` needs only the result files: it runs where torch cannot be imported."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path


def test_compare_runs_without_torch(
    root: Path, tmp_path: Path, compare_without_torch: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    done = compare_without_torch("3.12-cu124-dev", "--root", root, "--out", tmp_path, timeout=120)
    assert done.returncode == 1, done.stderr  # the stored slowdown: a regression, not an import error
    assert "FAILED: 4 significant regression(s)" in done.stdout
    assert (tmp_path / "compare.png").is_file()
