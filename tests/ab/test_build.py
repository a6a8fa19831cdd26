"""A revision built as its own environment, and `ab` between it and this checkout (slow: a uv sync)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vlmhyperbench.ab.build import MARKER, build_revision
from vlmhyperbench.ab.driver import run_ab
from vlmhyperbench.ab.sides import Settings, Side, resolve_side
from vlmhyperbench.env.info import portable_path

REPO = Path(__file__).resolve().parents[2]
RELEASE = "448b682"  # the commit v0.1.0 was cut from: it has no vlmhyperbench.ab, the worker runs anyway


@pytest.mark.slow
def test_the_release_revision_against_this_checkout(tmp_path: Path) -> None:
    if subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", RELEASE], check=False).returncode:
        pytest.skip(f"{RELEASE} is not in this clone (shallow?)")
    settings = Settings(new_tokens=4)
    side = resolve_side(RELEASE, "A", settings, REPO, cache=tmp_path, extra="cu128")
    assert side.kind == "revision" and (Path(side.python).parents[2] / MARKER).exists()
    sha = subprocess.check_output(["git", "-C", str(REPO), "rev-parse", RELEASE], text=True).strip()
    assert build_revision(sha, REPO, tmp_path, "cu128") == Path(side.python)  # built once, then reused
    run = run_ab(side, Side("B", sys.executable, "current", ".", settings), blocks=6, warmup=1)
    assert run.error is None and len(run.blocks()) == 6
    assert run.environments["A"]["vlmhyperbench"] == "0.1.0"
    assert run.environments["A"]["executable"] == portable_path(side.python)  # no local layout in results
