"""The "adding a task" recipe of docs/architecture.md: a toy task, one new module (`toy/colour.py`), runs
end to end through the real CLI in its own process: `data synth`/`data check --task`, a run that stops
half-way, `--resume`, the report, and the quality gate (`compare RUN_A RUN_B`) on its per-item metric.

The CLI process imports the module first (as `vlmhyperbench.tasks` imports a module placed in its folder)
and registers the scripted engine, whose answers are fixed in advance (`SCRIPT`), so every score is known.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.registry import UnknownNameError
from vlmhyperbench.tasks import runnable

ROOT = Path(__file__).parents[2]
TOY = Path(__file__).parent / "toy"
LAUNCH = """
import json, os, sys
sys.path.insert(0, os.environ["TOY_TASK_DIR"])
import colour  # the one new module: @register_task runs on import
from tests.tasks.scripted import ScriptedEngine
from vlmhyperbench.engines import ENGINES
ENGINES.add(ScriptedEngine.name, ScriptedEngine)
ScriptedEngine.script = json.loads(os.environ["SCRIPT"])
from vlmhyperbench.cli.app import main
sys.argv = ["vlmhyperbench", *sys.argv[1:]]
main()
"""
N = 10  # blue_2, blue_5, blue_8, green_1, green_4, green_7, red_0, red_3, red_6, red_9 (file order)
TRUTH = ["blue"] * 3 + ["green"] * 3 + ["red"] * 4


def cli(*args: object, script: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "COLUMNS": "300",
        "TOY_TASK_DIR": str(TOY),
        "SCRIPT": json.dumps(script or []),
    }
    command = [sys.executable, "-c", LAUNCH, *map(str, args)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def answer_ids(run: Path) -> list[str]:
    with (run / "answers.csv").open(encoding="utf-8", newline="") as handle:
        return [row[0] for row in csv.reader(handle, delimiter=";")][1:]


def test_a_new_task_runs_resumes_and_is_gated_through_the_cli(tmp_path: Path) -> None:
    made = cli("data", "synth", "--task", "colour", "--out", tmp_path / "set", "--n", N)
    assert made.returncode == 0, made.stderr
    checked = cli("data", "check", tmp_path / "set", "--task", "colour")
    assert checked.returncode == 0 and f"colour, {N} items" in checked.stdout + checked.stderr

    run = [
        "run",
        "--task",
        "colour",
        "--model",
        "scripted:x",
        "--dataset",
        tmp_path / "set",
        "--batch-size",
        2,
    ]
    stopped = cli(*run, "--out", tmp_path / "a", script=TRUTH[:6])  # the script ends after 3 batches
    assert stopped.returncode != 0
    assert len(answer_ids(tmp_path / "a")) == 6 and not (tmp_path / "a" / "summary.json").exists()
    resumed = cli(*run, "--out", tmp_path / "a", "--resume", script=TRUTH[6:])
    assert resumed.returncode == 0, resumed.stderr
    assert f"colour: {N} items, 6 already answered, 4 to ask" in resumed.stderr
    ids = answer_ids(tmp_path / "a")
    assert len(ids) == N and len(set(ids)) == N  # nothing lost, nothing twice

    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert summary["task"] == "colour" and summary["run"]["resumed"] is True
    assert summary["general"] == pytest.approx({"count": N, "right": 1.0})
    assert summary["metrics"] == {
        "right": {"higher_is_better": True, "description": "share of colours named right"}
    }
    assert "| task | colour |" in (tmp_path / "a" / "report.md").read_text(encoding="utf-8")

    worse = cli(*run, "--out", tmp_path / "b", script=["purple"] * N)
    assert worse.returncode == 0, worse.stderr
    gated = cli("compare", tmp_path / "a", tmp_path / "b")  # baseline a, current b: every page wrong
    assert gated.returncode == 1, gated.stdout + gated.stderr
    assert re.search(r"right.*all questions", gated.stdout)
    better = cli("compare", tmp_path / "b", tmp_path / "a")
    assert better.returncode == 0, better.stdout + better.stderr


def test_an_unknown_task_lists_the_tasks(tmp_path: Path) -> None:
    listed = "Unknown task 'nope'. Available: qa, classification, sorting, docvqa, infovqa, chartqa"
    result = CliRunner().invoke(app, ["run", "--task", "nope", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and listed in result.output
    with pytest.raises(UnknownNameError, match=re.escape(listed)):
        runnable("nope")
