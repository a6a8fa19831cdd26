"""`vlmhyperbench run --task docvqa` as a user types it, on a parquet file, a save_to_disk folder and
`hf:NAME` from a local cache with the hub disabled: the real CLI in a subprocess, the tiny random-weight
model on CPU, and an ANLS recomputed by hand from the answers it wrote. Also a run killed with SIGKILL
and resumed, and `data check` on a broken table."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pytest

from tests.data.tables import anls_by_hand, docvqa, write_hub_cache
from vlmhyperbench.runs.answers import read_answers

pytest.importorskip("torch")

QUESTIONS = [
    ("49153", "What is the value?", ["0.28"]),
    ("24580", "Name of the university?", ["university of california", "UC"]),
    ("57349", "What is the date?", ["March 3, 1969", "3/3/69"]),
]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "COLUMNS": "300", **extra}


def _command(config: Path, dataset: str | Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "vlmhyperbench.cli",
        "run",
        str(config),
        "--task",
        "docvqa",
        "--dataset",
        str(dataset),
        "--model",
        "dummy:tiny-qwen2-vl",
        "--out",
        str(out),
        *extra,
    ]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(
        "device: cpu\nimage_size: 112\nbatch_size: 1\ngeneration: {max_new_tokens: 4}\n", encoding="utf-8"
    )
    return path


def _check_anls(out: Path, questions: list[tuple[str, str, list[str]]]) -> None:
    """summary.json's ANLS is the mean of the RRC formula over the answers in answers.csv."""
    answers = read_answers(out / "answers.csv")
    assert set(answers) == {q[0] for q in questions}
    expected = sum(anls_by_hand(answers[q[0]], q[2]) for q in questions) / len(questions)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["task"] == "docvqa" and summary["general"]["count"] == len(questions)
    assert summary["general"]["anls"] == pytest.approx(expected)


def test_run_on_parquet_save_to_disk_and_hf_cache(config: Path, tmp_path: Path) -> None:
    table = docvqa(QUESTIONS)
    table.to_parquet(str(tmp_path / "docvqa.parquet"))
    table.save_to_disk(str(tmp_path / "saved"))
    cache = tmp_path / "hf-cache"
    write_hub_cache(cache, "lmms-lab/DocVQA", "DocVQA", {"validation": table})
    sources: dict[str, tuple[str | Path, dict[str, str]]] = {
        "parquet": (tmp_path / "docvqa.parquet", {}),
        "disk": (tmp_path / "saved", {}),
        "hf": (
            "hf:lmms-lab/DocVQA:DocVQA@validation",
            {"HF_DATASETS_CACHE": str(cache), "HF_DATASETS_OFFLINE": "1"},
        ),
    }
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    for name, (dataset, env) in sources.items():
        out = tmp_path / f"run-{name}"
        tracked = ["--log-to", "mlflow", "--tracking-uri", uri] if name == "parquet" else []
        done = subprocess.run(
            _command(config, dataset, out, *tracked),
            env=_env(**env),
            cwd=tmp_path,  # MLflow's default artifact folder is relative to the working directory
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
        assert "3 items, 0 already answered, 3 to ask" in done.stderr, done.stderr
        _check_anls(out, QUESTIONS)
    _check_mlflow(uri, tmp_path / "run-parquet")


def _check_mlflow(uri: str, out: Path) -> None:
    """The run `--log-to mlflow` logged, read back with MLflow's client: summary.json's figures."""
    mlflow = pytest.importorskip("mlflow")
    from vlmhyperbench.tracking import run_result

    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    (run,) = client.search_runs([client.get_experiment_by_name("vlmhyperbench").experiment_id])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert run.data.metrics["general/anls"] == summary["general"]["anls"]
    assert run.data.metrics == pytest.approx(run_result(out).metrics)
    assert run.data.params["task"] == "docvqa" and run.data.params["model"] == "dummy:tiny-qwen2-vl"


def test_a_killed_run_resumes_with_nothing_lost(config: Path, tmp_path: Path) -> None:
    questions = [(f"q{i}", f"Question {i}?", [f"answer {i}"]) for i in range(40)]
    docvqa(questions).to_parquet(str(tmp_path / "docvqa.parquet"))
    out = tmp_path / "run"
    answers = out / "answers.csv"
    process = subprocess.Popen(
        _command(config, tmp_path / "docvqa.parquet", out),
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while process.poll() is None and not (answers.exists() and len(read_answers(answers)) >= 2):
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    kept = read_answers(answers, repair=False)
    assert 0 < len(kept) < len(questions), "the run ended before it could be killed"
    resumed = subprocess.run(
        _command(config, tmp_path / "docvqa.parquet", out, "--resume"),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr
    final = read_answers(answers)
    assert all(final[i] == text for i, text in kept.items())  # nothing answered before the kill was lost
    assert (
        f"{len(kept)} already answered" in resumed.stderr
        or f"{len(kept) + 1} already answered" in resumed.stderr
    )
    _check_anls(out, questions)


def test_data_check_names_file_row_and_column(tmp_path: Path) -> None:
    docvqa([*QUESTIONS, ("7", "Broken?", [])]).to_parquet(str(tmp_path / "bad.parquet"))
    cli = [sys.executable, "-m", "vlmhyperbench.cli", "data", "check"]
    found = subprocess.run(
        [*cli, str(tmp_path / "bad.parquet"), "--task", "docvqa"], env=_env(), capture_output=True, text=True
    )
    assert found.returncode == 1
    assert (
        f"{tmp_path / 'bad.parquet'}, row 3, column 'answers': empty list of reference answers"
        in found.stderr
    )
    unnamed = subprocess.run(
        [*cli, str(tmp_path / "bad.parquet")], env=_env(), capture_output=True, text=True
    )
    assert unnamed.returncode == 2 and "name its benchmark with --task (" in unnamed.stderr
    assert "Traceback" not in unnamed.stderr
    datasets.Dataset.from_dict({"a": [1]}).to_parquet(str(tmp_path / "other.parquet"))
    good = subprocess.run(
        [*cli, str(tmp_path / "other.parquet"), "--task", "chartqa"],
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert good.returncode == 1 and "missing column(s) image, question, answer, type" in good.stderr
