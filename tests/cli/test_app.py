"""The root group turns library errors into one line and the error class's exit code, for every command."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.errors import ExitCode

runner = CliRunner()


def test_a_data_error_is_one_line_with_the_usage_exit_code(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_bytes(b"model: [unclosed\n")
    result = runner.invoke(app, ["run", str(config)])
    assert result.exit_code == ExitCode.USAGE
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_rich_markup_in_a_message_is_printed_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "odd[/x]name"
    result = runner.invoke(app, ["bench", "--model", str(folder), "--device", "cpu", "--no-save"])
    assert result.exit_code == ExitCode.USAGE
    assert "odd[/x]name" in " ".join(result.output.split())


def test_compare_keeps_its_short_form_and_has_calibrate() -> None:
    help_text = runner.invoke(app, ["compare", "--help"]).output
    assert "runs" in help_text and "calibrate" in help_text
    result = runner.invoke(app, ["compare", "calibrate", "--rounds", "many"])
    assert result.exit_code == ExitCode.USAGE and "--rounds 'many'" in result.output
    result = runner.invoke(app, ["compare", "a.json", "b.json", "--confidence", "1.5"])
    assert result.exit_code == ExitCode.USAGE and "--confidence 1.5" in result.output
