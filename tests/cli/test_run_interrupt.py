"""Ctrl-C during `vlmhyperbench run`: one line naming the `--resume` command, exit 130, no traceback.

A real `run` subprocess (the built-in demo on the tiny random-weight model, offline) gets SIGINT while it
answers, as a terminal's Ctrl-C would deliver it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")


def test_ctrl_c_during_run_names_the_resume_command(tmp_path: Path) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "COLUMNS": "300"}
    args = ["run", "--model", "dummy:tiny-qwen2-vl", "--batch-size", "1", "--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-m", "vlmhyperbench.cli", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    printed: list[str] = []
    assert process.stderr is not None and process.stdout is not None
    # one reader per pipe: `communicate` would read stderr too, and race this thread for its lines
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True)
    out_reader = threading.Thread(target=lambda: printed.extend(process.stdout or []), daemon=True)
    reader.start()
    out_reader.start()
    deadline = time.monotonic() + 300
    while not (any(line.startswith("loaded ") for line in lines) and (out / "run.json").is_file()):
        assert process.poll() is None and time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=120)
    reader.join(timeout=10)
    out_reader.join(timeout=10)
    stdout = "".join(printed)
    stderr = "".join(lines)
    assert process.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("interrupted")]
    assert line == (
        f"interrupted: the answers so far are kept in {out}; continue with: vlmhyperbench run --model "
        f"dummy:tiny-qwen2-vl --batch-size 1 --out {out} --resume"
    )
