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
    assert result.exit_code == ExitCode.FAILED
    (line,) = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert "side B" in line and "vlmhyperbench" in line and "0 rounds measured before are kept" in line
    (stored,) = tmp_path.glob("compare/ab/*/ab.json")
    assert json.loads(stored.read_text())["error"].startswith("side B")
