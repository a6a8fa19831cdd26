"""Fault catalogue, issue 25 item 6, the last lines: `ab`'s exit codes and checkout, the Python pin
`doctor` suggests, the commit `bench` records, and what `compare` says and writes, through the real CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.fault_server import running

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture
DATA = Path(__file__).resolve().parents[1] / "compare" / "data" / "results"
CHECKOUT = Path(__file__).resolve().parents[2]


def test_an_ab_side_that_cannot_start_is_not_the_regression_exit_code(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path
) -> None:
    """Exit 1 is "B is slower"; a side that never ran is exit 2. Run from outside any checkout: `ab . X`
    needs none (it said "no vlmhyperbench checkout")."""
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    output = one_line_error(cli("ab", "run", ".", "./python", "--rounds", "4", cwd=tmp_path), code=2)
    assert f"side B (python {broken}) exited (status 3) before loading the model" in output, output


def test_an_unparseable_pyproject_is_named_not_called_no_checkout(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project\nname = "vlmhyperbench"\n', encoding="utf-8")
    output = one_line_error(cli("sync", cwd=tmp_path))
    assert f"{tmp_path / 'pyproject.toml'} is not valid TOML" in output


def test_a_python_pin_that_names_no_version_is_never_offered_as_uv_sync_python(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # inside a nox cell doctor checks the cell's Python instead of the pin: this is a checkout outside one
    for name in (
        "VLMHYPERBENCH_CELL",
        "VLMHYPERBENCH_PYTHON",
        "VLMHYPERBENCH_BACKEND",
        "VLMHYPERBENCH_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    shutil.copy(CHECKOUT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / ".python-version").write_text("banana\n", encoding="utf-8")
    doctor = cli("doctor", "--project-root", tmp_path, "--json")
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    pin = checks["python pin"]
    assert pin["status"] == "fail" and "names no Python version" in pin["summary"]
    assert "banana" not in (pin.get("fix") or "") and pin["fix"] == "uv python pin 3.12"


def test_bench_inside_another_git_repository_records_vlmhyperbench_s_commit(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "someone-elses-repo"
    other.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(other)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "theirs"], check=True)
    theirs = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    ours = subprocess.run(["git", "-C", str(CHECKOUT), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()  # fmt: skip
    with running("ok") as server:
        bench = cli("bench", "--model", "openai:fault", "--base-url", server.base_url, "--results",
                    tmp_path / "results", "--num-prompts", "2", "--new-tokens", "4", cwd=other)  # fmt: skip
    assert bench.returncode == 0, bench.stderr
    [saved] = (tmp_path / "results").glob("*/*/0001_bench_*.json")
    commit = json.loads(saved.read_text())["commit_info"]
    assert commit["id"] == ours and theirs not in saved.name and ours in saved.name


def test_compare_names_the_file_that_holds_an_extra_benchmark(cli: Cli, tmp_path: Path) -> None:
    source = next((DATA / "3.12-cu124-dev").glob("*/0001_*.json"))
    a, b = Path(shutil.copy(source, tmp_path / "a.json")), Path(shutil.copy(source, tmp_path / "b.json"))
    data = json.loads(source.read_text(encoding="utf-8"))
    extra = json.loads(json.dumps(data["benchmarks"][0]))
    extra["name"] = extra["fullname"] = "test_generate[only-in-mixed]"
    extra["param"] = "only-in-mixed"
    data["benchmarks"].append(extra)
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps(data), encoding="utf-8")
    compared = cli("compare", "runs", a, mixed, b, "--out", tmp_path / "report")
    output = compared.stdout + compared.stderr + (tmp_path / "report" / "compare.md").read_text()
    assert "Traceback" not in output
    # the one summary line of what was not compared names the file that has it, and only that one
    [line] = [x for x in output.splitlines() if x.startswith("warning: not compared:")]
    assert f"only in {mixed}" in line and str(b) not in line and str(a) not in line, line


def test_a_bad_save_baseline_name_is_refused_before_any_report_is_written(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path
) -> None:
    source = next((DATA / "3.12-cu124-dev").glob("*/0001_*.json"))
    out = tmp_path / "report"
    output = one_line_error(cli("compare", "runs", source, source, "--out", out, "--root", tmp_path / "r",
                                "--save-baseline", "../../x"))  # fmt: skip
    assert "baseline name '../../x'" in output
    assert not out.exists() and not (tmp_path / "x.json").exists()
