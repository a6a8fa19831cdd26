"""The results store: root, per-cell folders, numbering, atomic writes, lookup, and pytest-benchmark's CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vlmhyperbench.results import (
    RESULTS_ENV_VAR,
    ResultError,
    ResultStore,
    SweepFile,
    load_record,
    load_run_summary,
    results_root,
    write_json,
)
from vlmhyperbench.results.storage import machine_id
from vlmhyperbench.writes import WriteRefusedError

GOLDEN = Path(__file__).parents[1] / "compare" / "data" / "results"
CELL = "3.12-cu124-dev"


def golden(cell: str = CELL, number: int = 1) -> Path:
    return next((GOLDEN / cell).glob(f"*/{number:04d}_*.json"))


@pytest.fixture
def store(tmp_path: Path) -> ResultStore:
    return ResultStore(tmp_path / "results")


def test_the_root_is_the_environment_variable_else_dot_benchmarks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(RESULTS_ENV_VAR, raising=False)
    assert results_root() == Path(".benchmarks") and ResultStore().root == Path(".benchmarks")
    monkeypatch.setenv(RESULTS_ENV_VAR, str(tmp_path))
    assert ResultStore().root == tmp_path
    assert ResultStore().cell_folder(CELL) == tmp_path / CELL
    assert ResultStore().pytest_benchmark_storage(CELL) == f"file://{(tmp_path / CELL).resolve()}"


def test_records_are_numbered_per_cell_as_pytest_benchmark_does(store: ResultStore) -> None:
    record = load_record(golden())
    first = store.save(record)
    assert first.parent == store.root / CELL / machine_id()
    stamp = record.datetime[:19].replace("-", "").replace(":", "").replace("T", "_")
    assert first.name == f"0001_bench_unversioned_{stamp}.json"
    second = store.save(record)
    assert second.name.startswith("0002_bench_")
    assert [run.run_id for run in store.runs(CELL)] == ["0001", "0002"]
    assert load_record(second) == record
    # another cell starts its own numbering
    other = load_record(golden("3.12-cu128-dev"))
    assert store.save(other).name.startswith("0001_")
    assert store.cells() == [CELL, "3.12-cu128-dev"]


def test_a_record_without_a_cell_cannot_be_filed(store: ResultStore) -> None:
    record = load_record(golden())
    record.machine_info.cell = None
    with pytest.raises(ResultError, match=r"needs machine_info\.cell"):
        store.save(record)


def test_saving_to_a_path_rewrites_it(store: ResultStore) -> None:
    record = load_record(golden())
    path = store.save(record)
    record.benchmarks = record.benchmarks[:1]
    assert store.save(record, path) == path
    assert len(load_record(path).benchmarks) == 1 and len(store.runs(CELL)) == 1


def test_a_sweep_file_says_what_it_holds_when_a_write_is_refused(store: ResultStore) -> None:
    record = load_record(golden())
    sweep = SweepFile(store)
    assert sweep.kept(1) == "nothing was saved: the 1 finished case(s) are only in the table above"
    path = sweep.save(record, 1)
    assert sweep.kept(1) == f"the 1 finished case(s) are saved in {path}"
    shutil.rmtree(path.parent)
    path.parent.write_text("a file where the folder was", encoding="utf-8")  # refused like a read-only disk
    with pytest.raises(WriteRefusedError) as refused:
        sweep.save(record, 2)
    assert str(refused.value) == (
        f"cannot write {path.parent}: File exists [errno 17]; "
        f"{path} holds 1 of the 2 finished case(s); all are in the table above"
    )


def test_a_write_that_fails_leaves_the_previous_file_and_no_partial(tmp_path: Path) -> None:
    path = write_json(tmp_path / "r.json", {"n": 1})
    with pytest.raises(TypeError):
        write_json(path, {"n": object()})
    assert json.loads(path.read_text()) == {"n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_runs_are_looked_up_by_latest_previous_and_number(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    shutil.copytree(GOLDEN, tmp_path, dirs_exist_ok=True)
    assert store.run(CELL).run_id == "0002"
    assert store.run(CELL, "previous").run_id == "0001"
    assert store.run(CELL, "1").run_id == store.run(CELL, "0001").run_id == "0001"
    with pytest.raises(ResultError, match=r"has no run 0009 \(runs: 0001, 0002\)"):
        store.run(CELL, "9")
    with pytest.raises(ResultError, match=r"no stored runs for cell '3.12-cu999-dev' .*3.10-cu124-dev"):
        store.run("3.12-cu999-dev")
    with pytest.raises(ResultError, match="only one stored run"):
        store.run("3.12-cu128-dev", "previous")


def test_baselines_are_named_copies(store: ResultStore) -> None:
    target = store.save_baseline(golden(), "main")
    assert target == store.root / "baselines" / "main.json"
    assert target.read_bytes() == golden().read_bytes()
    assert store.baselines() == ["main"]
    assert store.cells() == []  # baselines/ is not a cell
    with pytest.raises(ResultError, match=r"baseline name '\.\./x'"):
        store.baseline_path("../x")


def test_a_file_that_is_not_a_record_names_the_file_and_field(tmp_path: Path) -> None:
    data = json.loads(golden().read_text())
    data["benchmarks"][0]["extra_info"]["config"]["batch_size"] = "many"
    bad = write_json(tmp_path / "bad.json", data)
    with pytest.raises(
        ResultError, match=r"bad\.json is not a valid .*benchmarks\.0\.extra_info\.config\.batch_size"
    ):
        load_record(bad)
    with pytest.raises(ResultError, match=r"summary\.json is not a valid run summary: field run"):
        load_run_summary(write_json(tmp_path / "summary.json", {"schema_version": 1}))


def test_the_store_imports_neither_torch_nor_pydantic_and_the_schema_no_torch() -> None:
    # noxfile.py runs under `uvx nox`, which has no pydantic, and imports the store for the results root
    code = (
        "import sys; from vlmhyperbench.results import ResultStore; ResultStore().cells(); "
        "heavy = {'torch', 'pydantic'} & set(sys.modules); assert not heavy, sorted(heavy); "
        # the schema classes load on first use, and need no torch either (compare runs without it)
        "import vlmhyperbench.results as r; r.SpeedRecord, r.RunSummary; assert 'torch' not in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_pytest_benchmark_cli_reads_a_cell_folder(store: ResultStore) -> None:
    """README's command: `pytest-benchmark --storage .benchmarks/<cell> list|compare`."""
    paths = [store.save(load_record(golden(CELL, n))) for n in (1, 2)]
    store.save_baseline(paths[0], "main")
    cli = Path(sys.executable).with_name("pytest-benchmark")
    env = {**os.environ, "COLUMNS": "300"}
    listed = subprocess.run(
        [str(cli), "--storage", str(store.root / CELL), "list"], capture_output=True, text=True, env=env
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == [str(p.resolve()) for p in paths]
    compared = subprocess.run(
        [
            str(cli),
            "--storage",
            str(store.root / CELL),
            "compare",
            "0001",
            "0002",
            "--group-by",
            "param:preset",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert compared.returncode == 0, compared.stderr
    assert "test_generate[tiny-qwen2-vl-1] (0001_bench_u)" in compared.stdout
    assert "test_generate[tiny-qwen2-vl-1] (0002_bench_u)" in compared.stdout
    assert "benchmark 'preset=tiny-qwen2-vl': 4 tests" in compared.stdout  # params are plain JSON
