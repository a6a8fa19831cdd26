"""data/, the metrics and the report never import torch: `data check`/`data synth` work in any environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CODE = """
import sys
from typer.testing import CliRunner
from vlmhyperbench.cli import app
from vlmhyperbench.eval import score, aggregate, score_answers
from vlmhyperbench.eval.config import load_config
import vlmhyperbench.evaluate, vlmhyperbench.report.run_report, vlmhyperbench.data.prompts
import vlmhyperbench.runs, vlmhyperbench.tasks.qa
runner = CliRunner()
assert runner.invoke(app, ["data", "synth", "--out", sys.argv[1], "--n", "1"]).exit_code == 0
assert runner.invoke(app, ["data", "check", sys.argv[1]]).exit_code == 0
for task in ("classification", "sorting"):
    out = sys.argv[1] + "-" + task
    assert runner.invoke(app, ["data", "synth", "--task", task, "--out", out, "--n", "1"]).exit_code == 0
    assert runner.invoke(app, ["data", "check", out]).exit_code == 0
assert score("a", "a")["exact_match"] == 1.0
loaded = [m for m in sys.modules if m == "torch" or m.startswith("torch.")]
assert not loaded, loaded
print("torch-free")
"""


def test_data_metrics_and_report_do_not_import_torch(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "torch-free" in done.stdout
