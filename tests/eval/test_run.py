"""Runs end to end on a tiny real architecture (random weights, built offline): resume, OOM, by path."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.data.synth import synthesize
from vlmhyperbench.eval.config import Filters, Generation, RunConfig

pytest.importorskip("torch")
os.environ["HF_HUB_OFFLINE"] = "1"

import vlmhyperbench.runs.answering as answering
from tests.eval.runs import run_quietly as _run
from tests.eval.runs import tiny_config
from vlmhyperbench.evaluate import run_evaluation
from vlmhyperbench.runs import RunError


class Interrupted(RuntimeError):
    pass


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset")
    synthesize(root, n=2, seed=0, doc_classes=["snils", "inn"])  # 3 + 4 questions
    return root


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real HF architecture saved with save_pretrained, loaded back by path like any local model."""
    from vlmhyperbench.models import load_vlm

    folder = tmp_path_factory.mktemp("model")
    loaded = load_vlm("dummy:tiny-qwen2-vl", device="cpu", seed=0)
    loaded.model.save_pretrained(folder)
    loaded.processor.save_pretrained(folder)
    return folder


def _config(model: Path, dataset: Path, out: Path, batch_size: int = 2, **changes: object) -> RunConfig:
    return tiny_config(model, dataset, out, batch_size=batch_size, max_new_tokens=3, **changes)


def test_model_by_path_runs_the_pipeline(saved_model: Path, dataset: Path, tmp_path: Path) -> None:
    result = run_evaluation(_config(saved_model, dataset, tmp_path / "run"), show_progress=False)
    with result.answers_file.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["id", "model_answer"] and len(rows) == 8
    for name in ("by_id", "by_doc_question", "by_doc_type", "general"):
        assert (tmp_path / "run" / f"answers_{name}.csv").is_file()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["model"]["spec"] == str(saved_model)
    assert summary["general"]["count"] == 7
    assert summary["speed"]["summary"]["latency_s_p90"] > 0
    assert len(summary["speed"]["batches"]) == 4
    assert summary["environment"]["python"]
    assert (tmp_path / "run" / "report.html").stat().st_size > 10_000


def test_interrupted_run_resumed_equals_uninterrupted(
    saved_model: Path, dataset: Path, tmp_path: Path
) -> None:
    whole = _run(_config(saved_model, dataset, tmp_path / "whole"))

    def fail_after_two(batch: int) -> None:
        if batch == 2:
            raise Interrupted

    broken = _config(saved_model, dataset, tmp_path / "broken")
    with pytest.raises(Interrupted):
        _run(broken, on_batch_done=fail_after_two)
    answers = broken.out / "answers.csv"  # type: ignore[operator]
    assert len(answers.read_text(encoding="utf-8").splitlines()) == 1 + 4  # two batches were flushed
    # a kill in the middle of the next write leaves a partial record behind
    with answers.open("a", encoding="utf-8") as handle:
        handle.write("inn_0001_full_name;Ива")

    with pytest.raises(RunError, match="pass --resume"):
        _run(broken)
    resumed = _run(broken, resume=True)
    assert resumed.answered_now == 3
    assert len(resumed.summary["speed"]["batches"]) == 4  # speed covers both sessions: 2 + 2 batches
    assert resumed.summary["speed"]["summary"]["rounds"] == 4
    assert answers.read_bytes() == whole.answers_file.read_bytes()


def test_resume_refuses_changed_settings(saved_model: Path, dataset: Path, tmp_path: Path) -> None:
    config = _config(saved_model, dataset, tmp_path / "run", limit=2)
    _run(config)
    with pytest.raises(RunError, match=r"settings changed since it started \(generation"):
        _run(config.model_copy(update={"generation": Generation(max_new_tokens=5)}), resume=True)
    again = _run(config, resume=True)  # nothing left to ask: evaluates and reports what is there
    assert again.answered_now == 0 and again.summary["general"]["count"] == 2


def test_resume_refuses_answers_that_no_run_produced(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    answers = out / "answers.csv"
    answers.write_bytes(b"id;model_answer\r\nsnils_0000_number;123")  # a user's file, last line unterminated
    before = answers.read_bytes()
    config = _config(Path("dummy:tiny-qwen2-vl"), dataset, out)
    with pytest.raises(RunError, match=r"has no run\.json .*vlmhyperbench score"):
        _run(config, resume=True)
    assert answers.read_bytes() == before


def test_out_of_memory_halves_the_batch(
    saved_model: Path, dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    real = answering._infer
    sizes: list[int] = []

    def small_memory(engine, queries, max_new_tokens):  # type: ignore[no-untyped-def]
        sizes.append(len(queries))
        if len(queries) > 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(engine, queries, max_new_tokens)

    monkeypatch.setattr(answering, "_infer", small_memory)
    result = _run(_config(saved_model, dataset, tmp_path / "run", batch_size=4, limit=3))
    assert sizes == [3, 2, 1, 1, 1]  # 3 questions at batch 4, halved to 2, then 1 for each question
    assert result.summary["model"]["final_batch_size"] == 1
    assert len(result.answers_file.read_text(encoding="utf-8").splitlines()) == 1 + 3


def test_cli_default_run_without_config(tmp_path: Path) -> None:
    """`vlmhyperbench run` with no config: the Tesseract baseline (the tiny dummy model without the
    tesseract binary) on a small photo-degraded synthetic set, whole pipeline."""
    result = CliRunner().invoke(app, ["run", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "exact_match" in result.output
    for name in ("answers.csv", "answers_general.csv", "report.md", "report.html", "summary.json"):
        assert (tmp_path / "demo" / name).is_file(), name
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text(encoding="utf-8"))
    assert summary["dataset"]["degradation"] == "photo"
    if shutil.which("tesseract"):  # a trained model: real, non-trivial numbers
        assert summary["config"]["model"] == "tesseract:rus"
        assert summary["general"]["cer"] < 0.5 and summary["general"]["exact_match"] > 0.5
    else:
        assert "tesseract is not installed" in result.output


def test_cli_reports_bad_config_and_bad_dataset(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(
        "model: dummy:tiny-qwen2-vl\nbatchsize: 2\nfilters: {doc_clas: [inn]}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 2
    assert "unknown key 'batchsize'; did you mean 'batch_size'?" in result.output
    assert "unknown key 'filters.doc_clas'; did you mean 'doc_class'?" in result.output

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "annotation.csv").write_text("data_index,question\n1,q\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--dataset", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "wrong separator" in result.output


def test_filters_that_leave_nothing_are_named(dataset: Path, tmp_path: Path) -> None:
    config = _config(Path("dummy:tiny-qwen2-vl"), dataset, tmp_path / "run")
    config = config.model_copy(
        update={"model": "dummy:tiny-qwen2-vl", "filters": Filters(doc_class=["visa"])}
    )
    with pytest.raises(
        RunError, match=r"no questions left after the filters .*dataset has doc_class \['snils', 'inn'\]"
    ):
        _run(config)


def test_cli_resume(saved_model: Path, dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    _run(_config(saved_model, dataset, out, limit=2))
    config = tmp_path / "run.yaml"
    config.write_text(
        f"model: {saved_model}\ndataset: {dataset}\nbatch_size: 2\nimage_size: 112\ndevice: cpu\n"
        "limit: 2\ngeneration: {max_new_tokens: 3}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    again = runner.invoke(app, ["run", str(config), "--out", str(out)])
    assert again.exit_code == 2 and "pass --resume" in again.output
    resumed = runner.invoke(app, ["run", str(config), "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "2 already answered, 0 to ask" in resumed.output
    missing = runner.invoke(app, ["run", str(config), "--resume"])
    assert missing.exit_code == 2 and "--resume needs the run's folder" in missing.output
