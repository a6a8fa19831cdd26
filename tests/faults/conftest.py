"""Fixtures of the fault catalogue (issue 13): the real CLI in a subprocess, a tiny dataset."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def run_cli(
    *args: str | Path, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`python -m vlmhyperbench.cli ARGS` as a user would run it: its own process, exit code, stderr."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "COLUMNS": "300"}
    return subprocess.run(
        [sys.executable, "-m", "vlmhyperbench.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The command failed with `code` and an `error:` message, never a traceback; returns stderr."""
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert "Traceback" not in output and "error:" in output, output
    return output


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SNILS card: 3 questions on one image."""
    from vlmhyperbench.data.synth import synthesize

    root = tmp_path_factory.mktemp("tiny-dataset")
    synthesize(root, n=1, seed=0, doc_classes=["snils"])
    return root


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """`run_cli` for the tests (test modules cannot import this conftest under --import-mode=importlib)."""
    return run_cli


@pytest.fixture
def one_line_error() -> Callable[..., str]:
    return assert_one_line_error


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system (a tmpfs mounted `ro`): root ignores file modes, so only a mount
    makes a write fail with EROFS as it does on a read-only disk. Skips where mounting is not allowed."""
    disk = tmp_path / "read-only"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("needs root to mount a read-only tmpfs")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)
