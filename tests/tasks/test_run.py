"""Both tasks end to end through the real CLI with a tiny random-weight model (built offline): run folder,
answers, resume, report; and through the whole pipeline with a scripted engine whose answers are known, so
the numbers in summary.json can be checked by hand."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.tasks.scripted import ScriptedEngine
from vlmhyperbench.cli import app
from vlmhyperbench.eval.config import RunConfig, SynthSettings

pytest.importorskip("torch")
os.environ["HF_HUB_OFFLINE"] = "1"


def _config(tmp_path: Path, task: str, dataset: Path) -> Path:
    path = tmp_path / f"{task}.yaml"
    path.write_text(
        f"task: {task}\nmodel: dummy:tiny-qwen2-vl\ndataset: {dataset}\nbatch_size: 2\nimage_size: 112\n"
        "device: cpu\ngeneration: {max_new_tokens: 4}\n",
        encoding="utf-8",
    )
    return path


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _answers(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


@pytest.mark.parametrize(
    ("task", "n", "items", "metrics"),
    [
        ("classification", 4, 4, ["accuracy", "f1", "precision", "recall", "unparsed"]),
        ("sorting", 2, 2, ["kendall_tau", "spearman_rho", "exact_order", "page_accuracy", "unparsed"]),
    ],
)
def test_task_runs_end_to_end_with_the_cli(
    task: str, n: int, items: int, metrics: list[str], tmp_path: Path
) -> None:
    runner = CliRunner()
    dataset = tmp_path / "set"
    made = runner.invoke(app, ["data", "synth", "--task", task, "--out", str(dataset), "--n", str(n)])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["data", "check", str(dataset)]).exit_code == 0
    out = tmp_path / "run"
    config = _config(tmp_path, task, dataset)
    before = _tree(dataset), config.read_bytes()

    done = runner.invoke(app, ["run", str(config), "--out", str(out)])
    assert done.exit_code == 0, done.output
    rows = _answers(out / "answers.csv")
    assert rows[0] == ["id", "model_answer"] and len(rows) == items + 1
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["task"] == task and list(summary["metrics"]) == metrics
    assert summary["general"]["count"] == items and set(metrics) <= set(summary["general"])
    assert summary["speed"]["summary"]["latency_s_p90"] > 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"| task | {task} |" in report and "unparsed ↓" in report
    assert (out / "report.html").stat().st_size > 10_000
    assert _answers(out / "answers_by_id.csv")[0][:5] == [
        "id",
        "doc_class",
        "split",
        "answer",
        "model_answer",
    ]

    # an interrupted run: the last answer lost; --resume asks only that one, into the same file
    (out / "answers.csv").write_text("".join(";".join(r) + "\n" for r in rows[:-1]), encoding="utf-8")
    again = runner.invoke(app, ["run", str(config), "--out", str(out)])
    assert again.exit_code == 2 and "pass --resume" in again.output
    resumed = runner.invoke(app, ["run", str(config), "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert f"{items - 1} already answered, 1 to ask" in resumed.output
    assert [r[0] for r in _answers(out / "answers.csv")] == [r[0] for r in rows]
    other = "sorting" if task == "classification" else "classification"
    refused = runner.invoke(app, ["run", str(config), "--out", str(out), "--resume", "--task", other])
    assert refused.exit_code == 2 and f"it is a {task} run, not {other}" in refused.output
    assert (_tree(dataset), config.read_bytes()) == before  # the user's dataset and config, byte for byte


def test_scores_through_the_whole_pipeline(scripted: type[ScriptedEngine], tmp_path: Path) -> None:
    from vlmhyperbench.evaluate import run_evaluation

    # classification, the synthetic set's 4 classes (items in folder order: inn, invoice, passport, snils);
    # "1" (snils) for every page: accuracy 1/4; snils P 1/4 R 1 F1 2/5, others 0; each class weighs 1/4
    scripted.script = ["1"] * 4
    config = RunConfig(
        task="classification", model="scripted:x", out=tmp_path / "cls", synth=SynthSettings(n=4)
    )
    summary = run_evaluation(config, show_progress=False).summary
    assert summary["general"] == pytest.approx(
        {"count": 4, "accuracy": 0.25, "precision": 0.0625, "recall": 0.25, "f1": 0.1, "unparsed": 0.0}
    )
    # sorting, references 4,2,3,1 / 2,1,3,4 / 1,2,4,3 (tests/tasks/test_sorting.py)
    scripted.script = ["[4, 2, 3, 1]", "1 2 3 4", "?"]
    config = RunConfig(task="sorting", model="scripted:x", out=tmp_path / "sort", synth=SynthSettings(n=3))
    summary = run_evaluation(config, show_progress=False).summary
    assert summary["general"] == pytest.approx(
        {
            "count": 3,
            "kendall_tau": (1 + 2 / 3) / 3,
            "spearman_rho": (1 + 0.8) / 3,
            "exact_order": 1 / 3,
            "page_accuracy": 0.5,
            "unparsed": 1 / 3,
        }
    )


def test_filters_and_resume_checks(scripted: type[ScriptedEngine], tmp_path: Path) -> None:
    from vlmhyperbench.eval.config import Filters
    from vlmhyperbench.evaluate import run_evaluation
    from vlmhyperbench.runs import RunError

    dataset = tmp_path / "set"
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["data", "synth", "--task", "classification", "--out", str(dataset), "--n", "8"]
        ).exit_code
        == 0
    )
    base = RunConfig(task="classification", model="scripted:x", dataset=dataset, out=tmp_path / "run")
    scripted.script = ["0"] * 20
    picked = base.model_copy(update={"filters": Filters(doc_class=["snils", "inn"]), "limit": 3})
    result = run_evaluation(picked, show_progress=False, report=False)
    assert result.questions == 3 and {r["doc_class"] for r in result.tables["by_id"]} <= {"snils", "inn"}
    with pytest.raises(RunError, match="does not apply to the classification task"):
        run_evaluation(
            base.model_copy(update={"filters": Filters(question_type=["number"]), "out": tmp_path / "q"})
        )
    with pytest.raises(RunError, match="scoring 'upstream' applies to the qa task only"):
        run_evaluation(base.model_copy(update={"scoring": "upstream", "out": tmp_path / "u"}))
    with pytest.raises(RunError, match=r"no items left after the filters .*split \['clean'\]"):
        run_evaluation(base.model_copy(update={"filters": Filters(split=["blur"]), "out": tmp_path / "b"}))
    # a page edited after it was answered: its answer would be scored against a page the model never saw
    answered = str(result.tables["by_id"][0]["id"])
    (dataset / answered).write_bytes((dataset / "snils/images/clean/0001.jpg").read_bytes() + b"\0")
    scripted.script = ["0"] * 20
    with pytest.raises(
        RunError, match=f"the dataset changed since the run started \\(item\\(s\\) {answered}\\)"
    ):
        run_evaluation(picked, resume=True, show_progress=False)
