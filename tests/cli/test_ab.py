"""`vlmhyperbench ab`: a side that cannot start is one line, exit 1, and the run folder is still written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.errors import ExitCode

runner = CliRunner()
BARE_PYTHON = Path("/usr/bin/python3")  # a Python without vlmhyperbench


def test_bad_options_are_usage_errors() -> None:
    result = runner.invoke(app, ["ab", ".", ".", "--rounds", "many"])
    assert result.exit_code == ExitCode.USAGE and "--rounds 'many'" in result.output
    result = runner.invoke(app, ["ab", ".", "nowhere-at-all"])
    assert result.exit_code == ExitCode.USAGE and "side B 'nowhere-at-all'" in result.output


@pytest.mark.skipif(not BARE_PYTHON.exists(), reason="no system Python here")
def test_a_side_that_cannot_start_is_one_line_and_the_run_is_kept(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ab", ".", str(BARE_PYTHON), "--rounds", "12", "--root", str(tmp_path)])
    assert result.exit_code == ExitCode.USAGE  # not 1, `ab`'s verdict "B is slower" (issue 25)
    (line,) = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert "side B" in line and "vlmhyperbench" in line and "0 rounds measured before are kept" in line
    (stored,) = tmp_path.glob("compare/ab/*/ab.json")
    assert json.loads(stored.read_text())["error"].startswith("side B")


def test_calibrate_writes_its_counts_as_json_and_says_the_blocks_measured(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "calibration.json"
    args = ["ab", "calibrate", ".", ".", "--repeats", "2", "--rounds", "12", "--new-tokens", "2"]
    args += ["--calls", "1", "--settle", "0"]  # the counts and blocks, not the timing, are checked
    result = runner.invoke(app, [*args, "--json", str(out)])
    assert result.exit_code in (ExitCode.OK, ExitCode.FAILED), result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["repeats"] == 2 and data["blocks_used"] == [6, 6]
    first, second = (set(pids.values()) for pids in data["worker_pids"])
    assert len(first) == len(second) == 3 and not first & second  # each repetition its own processes
    assert data["false_alarms"] + data["detections"] <= 4 and "false_alarm_rate" in data
    assert "2/2: false alarms" in result.output and "(6 blocks," in result.output
    assert ("PASSED" in result.output) is (result.exit_code == ExitCode.OK)
