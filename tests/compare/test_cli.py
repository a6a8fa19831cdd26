"""`vlmhyperbench compare` end to end on the stored results: exit codes, written files, errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from vlmhyperbench.cli import app

CU124 = "3.12-cu124-dev"


def _compare(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["compare", *args, "--root", str(root)])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_gate_compares_the_latest_run_with_the_previous_one(root: Path, tmp_path: Path) -> None:
    code, output = _compare(root, CU124, "--out", str(tmp_path / "out"))
    assert code == 1
    assert "3.12-cu124-dev: against the previous run of 3.12-cu124-dev (0001)" in output
    assert "FAILED: 4 significant regression(s) beyond 5%" in output
    written = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert written["reference"]["run_id"] == "0001" and written["others"][0]["run_id"] == "0002"
    assert (tmp_path / "out" / "compare.md").is_file() and (tmp_path / "out" / "compare.png").is_file()


def test_reports_go_to_the_results_root_by_default(root: Path) -> None:
    code, _ = _compare(root, f"{CU124}:1", "3.12-cu128-dev")
    assert code == 0
    assert (root / "compare" / "compare.md").is_file()


def test_threshold_as_percentage_or_fraction(root: Path) -> None:
    assert _compare(root, f"{CU124}:1", CU124, "--threshold", "20%")[0] == 0
    assert _compare(root, f"{CU124}:1", CU124, "--threshold", "0.2")[0] == 0
    assert _compare(root, f"{CU124}:1", CU124, "--threshold", "10%")[0] == 1
    code, output = _compare(root, f"{CU124}:1", CU124, "--threshold", "lots")
    assert code == 2 and "'lots' is not a fraction (0.05) or a percentage (5%)" in output


def test_cross_cell_mode_fails_on_the_slow_cell(root: Path) -> None:
    code, output = _compare(root, f"{CU124}:1", "3.12-cu128-dev", "3.10-cu124-dev")
    assert code == 1
    assert "in 3.10-cu124-dev: decode tokens/s" in output and "in 3.12-cu128-dev" not in output


def test_baselines_are_saved_on_a_first_run_and_gate_later_runs(root: Path) -> None:
    code, output = _compare(root, "3.12-cu128-dev", "--save-baseline", "release")
    assert code == 0 and "nothing to compare with yet" in output
    assert "saved 3.12-cu128-dev as baseline" in output
    assert (root / "baselines" / "release.json").is_file()
    code, output = _compare(root, CU124, "--baseline", "release")
    assert code == 1 and "against baseline:release" in output
    code, output = _compare(root, "baseline:release", "3.10-cu124-dev", "--figure", "ttft")
    assert code == 0


def test_a_failed_comparison_does_not_become_the_baseline(root: Path) -> None:
    code, output = _compare(root, CU124, "--save-baseline", "main")
    assert code == 1 and "baseline 'main' not saved: the comparison failed" in output
    assert not (root / "baselines").exists()
    code, output = _compare(root, CU124, "--save-baseline", "main", "--force")
    assert code == 1 and "saved 3.12-cu124-dev as baseline 'main'" in output
    assert (root / "baselines" / "main.json").is_file()


def test_mismatched_config_is_an_error_unless_allowed(root: Path) -> None:
    code, output = _compare(root, f"{CU124}:1", "3.12-cu124-prod")
    assert code == 2
    assert "'test_generate[tiny-qwen2-vl-1]': config differs between 3.12-cu124-dev run 0001" in output
    assert _compare(root, f"{CU124}:1", "3.12-cu124-prod", "--allow-mismatch")[0] == 0


def test_bad_inputs_exit_2_and_say_what_exists(root: Path) -> None:
    code, output = _compare(root, "3.12-cu999-dev", CU124)
    assert code == 2 and "no stored runs for cell '3.12-cu999-dev'" in output and "3.12-cu128-dev" in output
    code, output = _compare(root, CU124, "baseline:nope")
    assert code == 2 and "no baseline 'nope'" in output
    code, output = _compare(root, f"{CU124}:1", CU124, "--figure", "speed")
    assert code == 2 and "Unknown figure 'speed'. Available: ttft_s, tpot_s, decode_tokens_per_s" in output
    code, output = _compare(root, f"{CU124}:1", CU124, "--baseline", "x")
    assert code == 2 and "--baseline is for a single input" in output


def test_missing_baseline_can_fall_back_to_the_previous_run(root: Path) -> None:
    assert _compare(root, CU124, "--baseline", "main")[0] == 2
    code, output = _compare(root, CU124, "--baseline", "main", "--fallback-previous")
    assert code == 1 and "against the previous run of 3.12-cu124-dev (0001)" in output
