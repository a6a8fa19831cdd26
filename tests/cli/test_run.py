"""`vlmhyperbench run` as a user types it: options over the config, resume checks, the results table, the
scoring profile, absolute image paths and a model folder with its own code. A tiny random-weight model on
CPU (`dummy:tiny-qwen2-vl`, built offline)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from vlmhyperbench.cli import app
from vlmhyperbench.data.synth import synthesize
from vlmhyperbench.errors import ExitCode

pytest.importorskip("torch")
os.environ["HF_HUB_OFFLINE"] = "1"

runner = CliRunner()
TINY = "dummy:tiny-qwen2-vl"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset")
    synthesize(root, n=2, seed=0, doc_classes=["snils", "inn"])  # 3 + 4 questions
    return root


@pytest.fixture
def config(tmp_path: Path, dataset: Path) -> Path:
    """A small CPU run limited to `inn` in the file, which the tests' options change."""
    path = tmp_path / "run.yaml"
    path.write_text(
        f"model: {TINY}\ndataset: {dataset}\ndevice: cpu\nimage_size: 112\nbatch_size: 4\n"
        "generation: {max_new_tokens: 3}\nfilters: {doc_class: [inn]}\n",
        encoding="utf-8",
    )
    return path


def _cli(*args: str | Path) -> Result:
    return runner.invoke(app, list(map(str, args)))


def _run(*args: str | Path) -> Result:
    return _cli("run", *args)


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def _recorded(out: Path) -> dict[str, Any]:
    config: dict[str, Any] = json.loads((out / "run.json").read_text(encoding="utf-8"))["config"]
    return config


def _summary(out: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return summary


def _table(output: str) -> dict[str, list[str]]:
    """The results table's rows by their first cell (doc class, `all`), as printed."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0] not in ("", "doc_class"):
            rows[cells[0]] = cells[1:]
    return rows


def test_options_replace_the_config_and_the_run_records_them(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    options = {"--doc-class": "snils", "--limit": "2", "--batch-size": "1", "--dtype": "float32"}
    flags = [part for pair in options.items() for part in pair]
    result = _ok(_run(config, "--out", out, *flags))
    assert f"loading {TINY} (device cpu, dtype float32)" in result.output
    recorded = _recorded(out)
    assert recorded["filters"]["doc_class"] == ["snils"]
    assert (recorded["limit"], recorded["batch_size"], recorded["dtype"]) == (2, 1, "float32")
    assert recorded["device"] == "cpu" and recorded["image_size"] == 112  # from the file
    summary = _summary(out)
    assert summary["dataset"]["doc_class"] == {"snils": 2}
    assert [b["batch_size"] for b in summary["speed"]["batches"]] == [1, 1]
    assert summary["model"]["dtype"] == "float32"

    answers = (out / "answers.csv").read_bytes()
    for option, value, named in [
        ("--doc-class", "inn", "filters"),
        ("--question-type", "number", "filters"),
        ("--limit", "3", "limit"),
        ("--batch-size", "2", "batch_size"),
        ("--device", "auto", "device"),
    ]:
        changed = [part for pair in {**options, option: value}.items() for part in pair]
        refused = _run(config, "--out", out, "--resume", *changed)
        assert refused.exit_code == ExitCode.USAGE, refused.output
        assert refused.output.startswith("error: cannot resume"), refused.output
        assert f"settings changed since it started ({named}:" in refused.output
        assert (out / "answers.csv").read_bytes() == answers
    again = _ok(_run(config, "--out", out, "--resume", *flags))
    assert "2 already answered, 0 to ask" in again.output


def test_doc_class_and_question_type_take_lists(config: Path, tmp_path: Path) -> None:
    result = _ok(
        _run(
            config,
            "--print-config",
            "--doc-class",
            "snils, inn",
            "--doc-class",
            "passport",
            "--question-type=number,inn",
            "--prompt-fallback",
        )
    )
    assert "prompt_fallback: true" in result.output
    assert (
        "doc_class:\n  - snils\n  - inn\n  - passport\n  question_type:\n  - number\n  - inn" in result.output
    )
    bad = _run(config, "--batch-size", "0")
    assert bad.exit_code == ExitCode.USAGE and "--batch-size" in bad.output


def test_the_results_table_shows_each_doc_class_as_summary_json(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = _ok(_run(config, "--out", out, "--doc-class", "snils,inn"))
    summary = _summary(out)
    table = _table(result.stdout)
    metrics = list(summary["metrics"])
    assert metrics == ["cer", "wer", "anls", "bleu", "exact_match"]
    assert [r["doc_class"] for r in summary["by_doc_type"]] == ["snils", "inn"]
    assert list(table) == ["snils", "inn", "all"]
    for row in summary["by_doc_type"]:
        assert table[row["doc_class"]] == [f"{row[m]:.4f}" for m in metrics] + [str(row["count"])]
    general = summary["general"]
    assert table["all"] == [f"{general[m]:.4f}" for m in metrics] + ["7"]
    assert "cer ↓" in result.stdout and "anls ↑" in result.stdout


def test_upstream_scoring_writes_what_score_writes(config: Path, dataset: Path, tmp_path: Path) -> None:
    """`run --scoring upstream` leaves metric_evaluator's tables in the run folder: the same bytes as
    `vlmhyperbench score --scoring upstream` on its answers, and its table shows their numbers."""
    out = tmp_path / "run"
    result = _ok(_run(config, "--out", out, "--scoring", "upstream", "--doc-class", "snils,inn"))
    assert _recorded(out)["scoring"] == "upstream"
    scored = tmp_path / "scored"
    _ok(_cli("score", out / "answers.csv", "--dataset", dataset, "--out", scored, "--scoring", "upstream"))
    for name in ("by_id", "by_doc_question", "by_doc_type", "general"):
        written = (out / f"answers_{name}.csv").read_bytes()
        assert written.startswith("\ufeff".encode()), name
        assert written == (scored / f"answers_{name}.csv").read_bytes(), name

    scoring = _summary(out)["scoring"]
    assert scoring["profile"] == "upstream" and list(scoring["metrics"]) == ["cer", "wer", "bleu"]
    with (out / "answers_by_doc_type.csv").open(encoding="utf-8-sig") as handle:
        by_doc_type = {r["doc_class"]: r for r in csv.DictReader(handle, delimiter=";")}
    table = _table(result.stdout)
    columns = {"cer": "cer_error", "wer": "wer_error", "bleu": "bleu_error"}
    for row in scoring["by_doc_type"]:
        file_row = by_doc_type[row["doc_class"]]
        assert table[row["doc_class"]] == [f"{float(file_row[c]):.4f}" for c in columns.values()] + [
            str(row["count"])
        ]
    assert "results (upstream scoring)" in result.stdout and table["all"][-1] == "7"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Upstream profile (metric_evaluator 0.1.1)" in report
    assert "metric_evaluator 0.1.1's tables" in report


def test_absolute_image_paths_need_the_flag(dataset: Path, tmp_path: Path) -> None:
    """Upstream writes absolute image paths: `data check`, `run` and `score` read them with
    --allow-absolute-paths, and name file, row and field without it."""
    moved = tmp_path / "absolute"
    moved.mkdir()
    text = (dataset / "annotation.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(";")
    at = header.index("image_path")
    rows = [line.split(";") for line in lines[1:]]
    for row in rows:
        row[at] = str(dataset / row[at])
    (moved / "annotation.csv").write_text(
        "\n".join([lines[0], *(";".join(r) for r in rows)]) + "\n", encoding="utf-8"
    )

    check = _cli("data", "check", moved)
    assert check.exit_code == ExitCode.FAILED
    assert "annotation.csv, row 2, column 'image_path'" in check.output and "is absolute" in check.output
    _ok(_cli("data", "check", moved, "--allow-absolute-paths"))

    common: list[str | Path] = ["--model", TINY, "--dataset", moved, "--device", "cpu", "--limit", "2"]
    refused = _run(*common, "--out", tmp_path / "refused")
    assert refused.exit_code == ExitCode.USAGE and "row 2, column 'image_path'" in refused.output
    out = tmp_path / "run"
    _ok(_run(*common, "--out", out, "--allow-absolute-paths"))
    assert _summary(out)["run"]["answered"] == 2

    score: list[str | Path] = ["score", out / "answers.csv", "--dataset", moved, "--out", tmp_path / "scored"]
    assert _cli(*score).exit_code == ExitCode.USAGE
    _ok(_cli(*score, "--allow-absolute-paths"))


REMOTE_CONFIG = """from transformers import Qwen2VLConfig


class RemoteQwen2VLConfig(Qwen2VLConfig):
    model_type = "remote_qwen2_vl"
"""
REMOTE_MODEL = """from transformers import Qwen2VLForConditionalGeneration

from .configuration_remote import RemoteQwen2VLConfig


class RemoteQwen2VL(Qwen2VLForConditionalGeneration):
    config_class = RemoteQwen2VLConfig
"""


@pytest.fixture(scope="module")
def remote_code_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local model folder whose config.json names its own Python files (`auto_map`), as a hub model
    with custom code does: a tiny Qwen2-VL saved with save_pretrained under a model type of its own."""
    from vlmhyperbench.models import load_vlm

    folder = tmp_path_factory.mktemp("remote-model")
    loaded = load_vlm(TINY, device="cpu", seed=0)
    loaded.model.save_pretrained(folder)
    loaded.processor.save_pretrained(folder)
    (folder / "configuration_remote.py").write_text(REMOTE_CONFIG, encoding="utf-8")
    (folder / "modeling_remote.py").write_text(REMOTE_MODEL, encoding="utf-8")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["model_type"] = "remote_qwen2_vl"
    config["auto_map"] = {
        "AutoConfig": "configuration_remote.RemoteQwen2VLConfig",
        "AutoModelForImageTextToText": "modeling_remote.RemoteQwen2VL",
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_trust_remote_code_reaches_the_model_loader(
    remote_code_model: Path, dataset: Path, tmp_path: Path
) -> None:
    """In a process of its own, so that transformers copies the folder's code under this test's
    HF_MODULES_CACHE rather than the user's cache."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_MODULES_CACHE": str(tmp_path / "modules"),
        "COLUMNS": "300",
    }
    args = ["--model", remote_code_model, "--dataset", dataset, "--device", "cpu", "--limit", "1"]

    def cli(*extra: str | Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "vlmhyperbench.cli", "run", *map(str, [*args, *extra])]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)

    refused = cli("--out", tmp_path / "refused")
    assert refused.returncode == ExitCode.USAGE, refused.stderr
    errors = [line for line in refused.stderr.splitlines() if "error" in line.lower()]
    assert errors == [
        f"error: model '{remote_code_model}' needs its own Python code (config.json auto_map) to load: "
        "if you trust it, pass --trust-remote-code (config: trust_remote_code: true)"
    ], refused.stderr
    assert "Traceback" not in refused.stderr

    out = tmp_path / "run"
    trusted = cli("--out", out, "--trust-remote-code")
    assert trusted.returncode == 0, trusted.stderr
    assert _summary(out)["model"]["family"] == "remote_qwen2_vl"  # the folder's own class was loaded
    assert _recorded(out)["trust_remote_code"] is True
