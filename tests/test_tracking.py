"""`--log-to mlflow`: run, bench and compare results logged to a real MLflow sqlite store in a temporary
folder and read back with MLflow's own client, figure for figure; `--log-to wandb` offline when its client
is installed; what is flattened, and the one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.data.tables import docvqa
from tests.tasks.scripted import ScriptedEngine
from vlmhyperbench.engines import ENGINES
from vlmhyperbench.errors import UsageError
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.evaluate import run_evaluation
from vlmhyperbench.tracking import (
    Tracking,
    bench_result,
    flatten_metrics,
    flatten_params,
    log,
    run_result,
)

mlflow = pytest.importorskip("mlflow")
STORED = Path(__file__).resolve().parent / "compare" / "data" / "results"
QUESTIONS = [("q1", "Date?", ["1 May", "May 1"]), ("q2", "Total?", ["$12"]), ("q3", "Name?", ["Ivanov"])]


def _cli(*args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vlmhyperbench.cli", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "300", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def run_folder(tmp_path: Path) -> Iterator[Path]:
    """A finished DocVQA run (a scripted engine: known answers) on a small table."""
    docvqa(QUESTIONS).to_parquet(str(tmp_path / "docvqa.parquet"))
    out = tmp_path / "run"
    with ENGINES.added(ScriptedEngine.name, ScriptedEngine):
        ScriptedEngine.script = ["1 May", "$13", "Petrov"]
        config = RunConfig(task="docvqa", model="scripted:x", dataset=tmp_path / "docvqa.parquet", out=out)
        run_evaluation(config, show_progress=False)
    yield out


def test_flattening_names_rows_and_keeps_only_numbers() -> None:
    data = {
        "general": {"count": 3, "anls": 0.5, "note": "text", "ok": True, "nan": float("nan")},
        "by_doc_type": [{"doc_class": "passport", "cer": 0.1}, {"doc_class": "ИНН", "cer": 0.2}],
        "speed": {"summary": {"ttft_s_mean": 0.25, "missing": None}},
    }
    assert flatten_metrics(data) == {
        "general/count": 3.0,
        "general/anls": 0.5,
        "by_doc_type/passport/cer": 0.1,
        "by_doc_type/ИНН/cer": 0.2,
        "speed/summary/ttft_s_mean": 0.25,
    }
    assert flatten_params({"model": "m", "filters": {"doc_class": ["a", "b"]}, "limit": None}) == {
        "model": "m",
        "filters.doc_class": '["a", "b"]',
        "limit": "None",
    }
    with pytest.raises(UsageError, match=r"--log-to 'neptune': unknown tracker\. Available: mlflow, wandb"):
        Tracking.from_options(["mlflow,neptune"])
    assert Tracking.from_options(None) is None


def test_a_run_logged_to_mlflow_reads_back_identical(
    run_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # MLflow's default artifact root is relative to the working directory
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    lines = log(Tracking(("mlflow",), uri, "public"), run_result(run_folder))
    assert len(lines) == 1 and "experiment 'public'" in lines[0]
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    (run,) = client.search_runs([client.get_experiment_by_name("public").experiment_id])
    summary = json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))
    metrics = run.data.metrics
    assert metrics["general/anls"] == summary["general"]["anls"]
    # "$13" vs "$12": 1 - 1/3; "Petrov" vs "Ivanov": 1 - 4/6 < 0.5 -> 0
    assert metrics["general/anls"] == pytest.approx((1.0 + 2 / 3 + 0.0) / 3)
    assert metrics["general/count"] == 3.0
    assert metrics["by_doc_type/docvqa/anls"] == summary["by_doc_type"][0]["anls"]
    speed = summary["speed"]["summary"]
    numbers = {k: v for k, v in speed.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    assert numbers and all(metrics[f"speed/summary/{k}"] == pytest.approx(v) for k, v in numbers.items())
    assert run.data.params["model"] == "scripted:x" and run.data.params["task"] == "docvqa"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "run")}
    assert {"run/summary.json", "run/answers.csv", "run/by_id.csv"} <= artifacts


def test_bench_records_and_the_cli_compare_are_logged(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    record = sorted(STORED.rglob("*.json"))[0]
    logged = bench_result(record)
    stored = json.loads(record.read_text(encoding="utf-8"))
    first = stored["benchmarks"][0]
    key = first["name"].replace("[", "_").replace("]", "_")  # MLflow keys take no brackets
    assert logged.metrics[f"{key}/stats/median"] == first["stats"]["median"]
    compared = _cli(
        "compare", "3.12-cu124-dev", "3.12-cu128-dev", "--root", STORED,
        "--out", tmp_path / "report", "--allow-mismatch", "--log-to", "mlflow", "--tracking-uri", uri,
        cwd=tmp_path,
    )  # fmt: skip
    assert "logged to mlflow run" in compared.stdout, compared.stdout + compared.stderr
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    (run,) = client.search_runs([client.get_experiment_by_name("vlmhyperbench").experiment_id])
    report = json.loads((tmp_path / "report" / "compare.json").read_text(encoding="utf-8"))
    assert run.data.metrics == pytest.approx(flatten_metrics(report))
    assert {a.path for a in client.list_artifacts(run.info.run_id)} >= {"compare.json", "compare.md"}


def test_an_unknown_tracker_or_a_missing_client_is_one_line(tmp_path: Path) -> None:
    refused = _cli("run", "--task", "docvqa", "--log-to", "neptune", cwd=tmp_path)
    assert refused.returncode == 2 and "error: --log-to 'neptune': unknown tracker" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_wandb_offline(run_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wandb = pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    (line,) = log(Tracking(("wandb",)), run_result(run_folder))
    assert line.startswith("wandb run ")
    assert any((tmp_path / "wandb").glob("offline-run-*")), wandb.__version__


def test_a_bench_logged_to_mlflow_reads_back_its_record(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    bench = ("bench", "--model", "dummy:tiny-smolvlm", "--new-tokens", "2", "--rounds", "1", "--warmup", "0",
             "--device", "cpu", "--results", tmp_path / "results",
             "--log-to", "mlflow", "--tracking-uri", uri)  # fmt: skip
    done = _cli(*bench, cwd=tmp_path)
    assert done.returncode == 0 and "logged to mlflow run" in done.stdout, done.stdout + done.stderr
    (record,) = sorted((tmp_path / "results").rglob("0001_bench_*.json"))
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    (run,) = client.search_runs([client.get_experiment_by_name("vlmhyperbench").experiment_id])
    assert run.data.metrics == pytest.approx(bench_result(record).metrics)
    assert run.data.tags["vlmhyperbench.command"] == "bench"
    assert [a.path for a in client.list_artifacts(run.info.run_id)] == [record.name]
