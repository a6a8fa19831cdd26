from __future__ import annotations

import json
from pathlib import Path

import pytest

from vlmhyperbench.compare import ResultError, load_result, plan_gate, resolve, save_baseline
from vlmhyperbench.results import ResultStore

CU124 = "3.12-cu124-dev"


def test_cells_and_runs_are_found_where_the_plugin_stores_them(root: Path) -> None:
    store = ResultStore(root)
    assert store.cells() == ["3.10-cu124-dev", "3.12-cu124-dev", "3.12-cu124-prod", "3.12-cu128-dev"]
    assert [run.run_id for run in store.runs(CU124)] == ["0001", "0002"]


@pytest.mark.parametrize(
    ("address", "run_id"),
    [(CU124, "0002"), (f"{CU124}:latest", "0002"), (f"{CU124}:previous", "0001"), (f"{CU124}:1", "0001")],
)
def test_stored_run_addresses(root: Path, address: str, run_id: str) -> None:
    result = resolve(address, root)
    assert (result.cell, result.run_id, result.source) == (CU124, run_id, address)
    assert result.environment.python  # machine_info["vlmhyperbench"]
    # written before the schema, as strings: read back with their types
    assert result.environment.cuda_available is False and result.environment.cpu_count == 2


def test_a_result_has_its_benchmarks_keyed_by_name_and_params(root: Path) -> None:
    result = resolve(CU124, root)
    assert len(result.benchmarks) == 4
    key = 'test_generate[tiny-qwen2-vl-1] {"batch_size": 1, "preset": "tiny-qwen2-vl"}'
    bench = result.benchmarks[key]
    assert bench.config["preset"] == "tiny-qwen2-vl"
    assert len(result.values(bench, "decode_tokens_per_s")) == 10


def test_a_file_path_is_an_address(root: Path) -> None:
    path = ResultStore(root).runs(CU124)[0].path
    assert resolve(str(path), root).run_id == "0001"


def test_baselines_are_saved_and_read_back(root: Path) -> None:
    current = resolve(CU124, root)
    target = save_baseline(current, "main", root)
    assert target == root / "baselines" / "main.json"
    assert ResultStore(root).baselines() == ["main"]
    baseline = resolve("baseline:main", root)
    assert baseline.cell == CU124 and baseline.benchmarks.keys() == current.benchmarks.keys()


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "3.12-cu999-dev",
            r"no stored runs for cell '3.12-cu999-dev' .* \(cells with results: 3.10-cu124-dev, ",
        ),
        (f"{CU124}:7", r"cell '3.12-cu124-dev' has no run 0007 \(runs: 0001, 0002\)"),
        (f"{CU124}:newest", "expected latest, previous or a run number"),
        ("3.12-cu128-dev:previous", "has only one stored run"),
        ("baseline:release", r"no baseline 'release' in .* \(baselines: none\)"),
        ("baseline:../x", "baseline name '../x'"),
        ("nothing-here.json", "no result file nothing-here.json"),
        ("garbage", "is not a result file, a stored run"),
    ],
)
def test_bad_addresses_say_what_exists(root: Path, address: str, message: str) -> None:
    with pytest.raises(ResultError, match=message):
        resolve(address, root)


def test_files_that_are_not_results_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json")
    (tmp_path / "b.json").write_text(json.dumps({"results": []}))
    with pytest.raises(ResultError, match=r"cannot read .*a\.json as JSON"):
        load_result(tmp_path / "a.json")
    with pytest.raises(ResultError, match="is not a pytest-benchmark result"):
        load_result(tmp_path / "b.json")
    (tmp_path / "c.json").write_text(json.dumps({"benchmarks": [{"name": "x"}]}))
    with pytest.raises(
        ResultError, match=r"c\.json is not a valid pytest-benchmark result: field machine_info"
    ):
        load_result(tmp_path / "c.json")


def test_gate_takes_the_baseline_else_the_previous_run(root: Path) -> None:
    plan = plan_gate(CU124, root=root)
    assert (plan.current.run_id, plan.reference and plan.reference.run_id) == ("0002", "0001")
    assert "previous run" in plan.reason
    save_baseline(resolve("3.12-cu128-dev", root), "release", root)
    plan = plan_gate(CU124, "release", root)
    assert plan.reference is not None and plan.reference.cell == "3.12-cu128-dev"


def test_gate_on_a_first_run_has_nothing_to_compare(root: Path) -> None:
    plan = plan_gate("3.12-cu128-dev", root=root)
    assert plan.reference is None and "no run before 0001" in plan.reason


def test_gate_on_a_file_needs_a_baseline(root: Path) -> None:
    path = str(ResultStore(root).runs(CU124)[0].path)
    with pytest.raises(ResultError, match="give --baseline NAME"):
        plan_gate(path, root=root)
    with pytest.raises(ResultError, match="no baseline 'main'"):
        plan_gate(path, "main", root)


def test_gate_falls_back_to_the_previous_run_when_asked(root: Path) -> None:
    plan = plan_gate(CU124, "main", root, fallback=True)
    assert plan.reference is not None and plan.reference.run_id == "0001"
    assert plan.reason.startswith("no baseline 'main'") and "against the previous run" in plan.reason
