"""Regenerate tests/compare/data/results: real pytest-benchmark runs of synthetic_bench.py, per cell.

    .venv/bin/python tests/compare/make_results.py

The files are golden data for the compare tests (our pytest plugin writes them where real runs go:
`<root>/<cell>/<machine id>/NNNN_*.json`); test_end_to_end.py re-runs one to prove the layout still holds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data" / "results"

# name: (cell, seed, slowdown, dtype)
RUNS = {
    "base": ("3.12-cu124-dev", 1, 0.0, "float32"),  # 3.12-cu124-dev run 0001
    "cu128": ("3.12-cu128-dev", 2, 0.0, "float32"),  # same speed as base
    "py310": ("3.10-cu124-dev", 3, 0.12, "float32"),  # 12 % longer rounds
    "bf16": ("3.12-cu124-prod", 4, 0.0, "bfloat16"),  # another config: a mismatch
    "slow": ("3.12-cu124-dev", 5, 0.15, "float32"),  # 3.12-cu124-dev run 0002: 15 % longer rounds
}


def start_run(
    workdir: Path, root: Path, cell: str, seed: int, slowdown: float, dtype: str
) -> subprocess.Popen[bytes]:
    """Run synthetic_bench.py (copied into `workdir`) for one cell, autosaving into `root`."""
    env = {
        **os.environ,
        "VLMHYPERBENCH_CELL": cell,
        "VLMHYPERBENCH_RESULTS": str(root),
        "SYNTH_SEED": str(seed),
        "SYNTH_SLOWDOWN": str(slowdown),
        "SYNTH_DTYPE": dtype,
    }
    command = [sys.executable, "-m", "pytest", "synthetic_bench.py", "-q", "-p", "no:cacheprovider"]
    command += ["--benchmark-autosave", "--rootdir", str(workdir), "-o", "addopts="]
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen[bytes]) -> None:
    out, _ = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(out.decode(errors="replace"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        shutil.copy(HERE / "synthetic_bench.py", workdir)
        root = workdir / "results"
        for process in [start_run(workdir, root, *RUNS[name]) for name in ("base", "cu128", "py310", "bf16")]:
            finish(process)
        finish(start_run(workdir, root, *RUNS["slow"]))  # after "base": its number is 0002
        shutil.rmtree(DATA, ignore_errors=True)
        shutil.copytree(root, DATA)
    print(f"wrote {DATA}")


if __name__ == "__main__":
    main()
