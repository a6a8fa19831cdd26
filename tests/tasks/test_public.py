"""The public benchmark tasks on small tables in their releases' real layouts: prompts, scores worked out
by hand (per question, per group, overall), a column mapping, the synthetic set, and the whole pipeline
with a scripted engine whose answers are known (resume included)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import datasets
import pytest
from PIL import Image

from tests.data.tables import anls_by_hand, docvqa, png, table
from tests.tasks.scripted import ScriptedEngine
from vlmhyperbench.data.sources import Columns
from vlmhyperbench.data.validate import DatasetError
from vlmhyperbench.eval.config import RunConfig, SynthSettings
from vlmhyperbench.evaluate import run_evaluation
from vlmhyperbench.tasks import get_task
from vlmhyperbench.tasks.public import SHORT_ANSWER

STRINGS = datasets.Sequence(datasets.Value("string"))
TEXT = datasets.Value("string")


def _image_column(n: int) -> list[dict[str, object]]:
    return [{"bytes": png(), "path": None} for _ in range(n)]


@pytest.fixture
def docvqa_file(tmp_path: Path) -> Path:
    path = tmp_path / "docvqa_val.parquet"
    docvqa(
        [
            ("49153", "What is the ‘actual’ value per 1000, during the year 1975?", ["0.28"]),
            (
                "24580",
                "What is name of university?",
                ["university of california", "University of California"],
            ),
            ("57349", "What is the date mentioned?", ["March 3, 1969", "3/3/69"]),
        ]
    ).to_parquet(str(path))
    return path


def test_docvqa_prompt_and_anls(docvqa_file: Path) -> None:
    task = get_task("docvqa")
    data = task.load(docvqa_file)
    assert [i.id for i in data.items] == ["49153", "24580", "57349"]
    assert task.prompt(data, data.items[1], None) == f"What is name of university?{SHORT_ANSWER}"
    assert task.image(data, data.items[0]).size == (48, 32)
    answers = {"49153": "0.28", "24580": "Univ of California", "57349": ""}  # the last one left empty
    scores = task.score(data, data.items, answers)
    # "univ of california" vs "university of california": 6 edits over 24 characters -> 0.75
    assert [r["anls"] for r in scores.rows] == pytest.approx([1.0, 0.75, 0.0])
    assert scores.general == pytest.approx({"count": 3, "anls": 1.75 / 3})
    assert json.loads(scores.rows[1]["answer"]) == ["university of california", "University of California"]
    partial = task.score(data, data.items, {"49153": "0.29"})  # only what was answered: 1 - 1/4
    assert partial.general == pytest.approx({"count": 1, "anls": 0.75})


def test_infovqa_is_docvqa_scoring_on_its_own_release(tmp_path: Path) -> None:
    rows: dict[str, list[Any]] = {
        "questionId": [98313],
        "question": ["Which social platform has heavy female audience?"],
        "answers": [["pinterest"]],
        "answer_type": [["single span"]],
        "image": _image_column(1),
        "image_url": ["https://example.invalid/1.jpeg"],
        "operation/reasoning": [[]],
        "ocr": ["{}"],
        "data_split": ["val"],
    }
    features = {
        "questionId": datasets.Value("int64"),
        "question": TEXT,
        "answers": STRINGS,
        "answer_type": STRINGS,
        "image": datasets.Image(),
        "image_url": TEXT,
        "operation/reasoning": STRINGS,
        "ocr": TEXT,
        "data_split": TEXT,
    }
    table(rows, features).to_parquet(str(tmp_path / "info.parquet"))
    task = get_task("infovqa")
    data = task.load(tmp_path / "info.parquet")
    assert data.items[0].id == "98313"
    assert task.score(data, data.items, {"98313": "Pinterest."}).general["anls"] == pytest.approx(1 - 1 / 10)


def test_chartqa_relaxed_accuracy_by_split(tmp_path: Path) -> None:
    rows: dict[str, list[Any]] = {
        "type": ["human_test", "human_test", "augmented_test", "augmented_test"],
        "question": ["How many bars?", "Share of Asia?", "What is the max?", "Which is the largest?"],
        "answer": ["7", "45%", "12.5", "Asia"],
        "image": _image_column(4),
    }
    features = {"type": TEXT, "question": TEXT, "answer": TEXT, "image": datasets.Image()}
    table(rows, features).to_parquet(str(tmp_path / "chartqa.parquet"))
    task = get_task("chartqa")
    data = task.load(tmp_path / "chartqa.parquet")
    assert [i.id for i in data.items] == ["0", "1", "2", "3"] and data.items[2].doc_class == "augmented_test"
    answers = {"0": "7", "1": "46%", "2": "12 kg", "3": "asia"}
    scores = task.score(data, data.items, answers)
    # 46 % vs 45 %: 2.2 % off -> right; "12 kg" is text -> wrong; "asia" matches ignoring case
    assert [r["relaxed_accuracy"] for r in scores.rows] == [1.0, 1.0, 0.0, 1.0]
    assert scores.by_doc_type == [
        {"doc_class": "human_test", "count": 2, "relaxed_accuracy": 1.0},
        {"doc_class": "augmented_test", "count": 2, "relaxed_accuracy": 0.5},
    ]
    assert scores.general == {"count": 4, "relaxed_accuracy": 0.75}


def test_ocrbench_substring_by_question_type(tmp_path: Path) -> None:
    rows: dict[str, list[Any]] = {
        "dataset": ["IIIT5K", "HME100k", "docVQA"],
        "question": [
            "what is written in the image?",
            "Please write out the expression",
            "What is the total?",
        ],
        "question_type": [
            "Regular Text Recognition",
            "Handwritten Mathematical Expression Recognition",
            "Doc-oriented VQA",
        ],
        "answer": [["CHAIR"], ["x^{2}+1"], ["$ 12", "12"]],
        "image": _image_column(3),
    }
    features = {
        "dataset": TEXT,
        "question": TEXT,
        "question_type": TEXT,
        "answer": STRINGS,
        "image": datasets.Image(),
    }
    table(rows, features).to_parquet(str(tmp_path / "ocrbench.parquet"))
    task = get_task("ocrbench")
    data = task.load(tmp_path / "ocrbench.parquet")
    assert task.prompt(data, data.items[0], None) == "what is written in the image?"  # the bare question
    scores = task.score(data, data.items, {"0": "The word is chair.", "1": "X^{2} + 1", "2": "12 dollars"})
    assert [r["accuracy"] for r in scores.rows] == [1.0, 0.0, 1.0]  # the formula's case counts
    assert [g["doc_class"] for g in scores.by_doc_type] == list(rows["question_type"])
    assert scores.general == pytest.approx({"count": 3, "accuracy": 2 / 3})


def test_textvqa_vqa_accuracy(tmp_path: Path) -> None:
    rows: dict[str, list[Any]] = {
        "image_id": ["003a8ae2ef43b901"],
        "question_id": [34602],
        "question": ["what is the brand of this camera?"],
        "question_tokens": [["what", "is", "the", "brand"]],
        "image": _image_column(1),
        "image_width": [1024],
        "image_height": [664],
        "flickr_original_url": ["https://example.invalid/o.jpg"],
        "flickr_300k_url": ["https://example.invalid/s.jpg"],
        "answers": [
            [
                "nous les gosses",
                "dakota",
                "clos culombu",
                "dakota digital",
                "dakota",
                "dakota",
                "dakota digital",
                "dakota digital",
                "dakota",
                "dakota",
            ]
        ],
        "image_classes": [["Camera"]],
        "set_name": ["val"],
        "ocr_tokens": [["DAKOTA"]],
    }
    features = {
        "image_id": TEXT,
        "question_id": datasets.Value("int64"),
        "question": TEXT,
        "question_tokens": STRINGS,
        "image": datasets.Image(),
        "image_width": datasets.Value("int64"),
        "image_height": datasets.Value("int64"),
        "flickr_original_url": TEXT,
        "flickr_300k_url": TEXT,
        "answers": STRINGS,
        "image_classes": STRINGS,
        "set_name": TEXT,
        "ocr_tokens": STRINGS,
    }
    table(rows, features).to_parquet(str(tmp_path / "textvqa.parquet"))
    task = get_task("textvqa")
    data = task.load(tmp_path / "textvqa.parquet")
    assert task.prompt(data, data.items[0], None) == f"What is the brand of this camera?{SHORT_ANSWER}"
    # "dakota" 5 times: leaving out one of them, 4 others agree (>= 3) -> 1; leaving out another, 5 -> 1
    assert task.score(data, data.items, {"34602": "Dakota"}).general["vqa_accuracy"] == 1.0
    # "dakota digital" 3 times: 2/3 in the 3 subsets without one of them, 1 in the other 7 -> 0.9
    assert task.score(data, data.items, {"34602": "Dakota Digital"}).general["vqa_accuracy"] == pytest.approx(
        0.9
    )


def test_a_column_mapping_replaces_the_defaults(tmp_path: Path) -> None:
    rows: dict[str, list[Any]] = {
        "qid": ["a"],
        "prompt": ["Date?"],
        "refs": [["1 May"]],
        "page": _image_column(1),
        "kind": ["form"],
    }
    features = {"qid": TEXT, "prompt": TEXT, "refs": STRINGS, "page": datasets.Image(), "kind": TEXT}
    table(rows, features).to_parquet(str(tmp_path / "mine.parquet"))
    with pytest.raises(DatasetError, match="missing column"):
        get_task("docvqa").load(tmp_path / "mine.parquet")
    columns = Columns.model_validate(
        {"id": "qid", "question": "prompt", "answers": "refs", "image": "page", "groups": ["kind"]}
    )
    task = get_task("docvqa", columns)
    data = task.load(tmp_path / "mine.parquet")
    assert (data.items[0].id, data.items[0].doc_class, data.items[0].references) == ("a", "form", ("1 May",))
    assert task.image(data, data.items[0]).size == (48, 32)


def test_a_folder_layout_is_refused_in_one_line(tmp_path: Path) -> None:
    problems = get_task("docvqa").check(tmp_path)
    assert len(problems) == 1 and "the docvqa task reads a table" in str(problems[0])


@pytest.mark.parametrize("name", ["docvqa", "infovqa", "chartqa", "ocrbench", "textvqa"])
def test_each_task_makes_a_synthetic_set_in_its_layout(name: str, tmp_path: Path) -> None:
    from vlmhyperbench.tasks.synth import synthesize_task

    data = synthesize_task(name, tmp_path / "set", n=1, seed=0, doc_classes=["snils"])
    assert get_task(name).check(tmp_path / "set") == []
    assert len(data.items) == 3 and all(i.question and i.references for i in data.items)


def test_the_whole_pipeline_with_known_answers_and_a_resume(
    scripted: type[ScriptedEngine], docvqa_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    config = RunConfig(task="docvqa", model="scripted:x", dataset=docvqa_file, out=out, batch_size=1)
    scripted.script = ["0.28", "Univ of California", "3/3/1969"]
    first = run_evaluation(config, show_progress=False)
    expected = [1.0, 0.75, anls_by_hand("3/3/1969", ["March 3, 1969", "3/3/69"])]
    assert expected[2] == pytest.approx(1 - 2 / 8)
    assert first.summary["general"] == pytest.approx({"count": 3, "anls": sum(expected) / 3})
    assert first.summary["task"] == "docvqa" and first.summary["metrics"]["anls"]["higher_is_better"]
    with (out / "answers_by_id.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [r["id"] for r in rows] == ["49153", "24580", "57349"]
    assert [float(r["anls"]) for r in rows] == pytest.approx(expected)

    # the run stopped before its last answer: --resume asks that one only
    lines = (out / "answers.csv").read_text(encoding="utf-8").splitlines()
    (out / "answers.csv").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    scripted.script = ["3/3/69"]
    resumed = run_evaluation(config, resume=True, show_progress=False)
    assert resumed.answered_now == 1
    assert resumed.summary["general"] == pytest.approx({"count": 3, "anls": (1.0 + 0.75 + 1.0) / 3})


def test_the_demo_run_without_a_dataset(scripted: type[ScriptedEngine], tmp_path: Path) -> None:
    scripted.script = ["31.01.2014"] * 20
    config = RunConfig(task="chartqa", model="scripted:x", out=tmp_path / "run", synth=SynthSettings(n=1))
    result = run_evaluation(config, show_progress=False)
    assert result.questions == len(result.tables["by_id"]) > 0
    assert (tmp_path / "run" / "dataset" / "data.parquet").is_file()


def test_the_resume_fingerprint_follows_questions_answers_and_images(tmp_path: Path) -> None:
    task = get_task("docvqa")
    rows = [("1", "Date?", ["1 May"]), ("2", "Total?", ["$12"])]
    docvqa(rows).to_parquet(str(tmp_path / "a.parquet"))
    before = task.fingerprint(data := task.load(tmp_path / "a.parquet"), data.items)
    assert before["source"]["kind"] == "parquet" and set(before["task"]) == {"1", "2"}
    edited = docvqa([rows[0], ("2", "Total?", ["$13"])])
    edited.to_parquet(str(tmp_path / "a.parquet"))
    after = task.fingerprint(data := task.load(tmp_path / "a.parquet"), data.items)
    assert after["task"]["1"] == before["task"]["1"] and after["task"]["2"] != before["task"]["2"]
    repainted = docvqa(rows).map(
        lambda r, i: {"image": r["image"] if i else Image.new("RGB", (9, 9))}, with_indices=True
    )
    repainted.to_parquet(str(tmp_path / "b.parquet"))
    changed = task.fingerprint(data := task.load(tmp_path / "b.parquet"), data.items)
    assert changed["task"]["1"] != before["task"]["1"] and changed["task"]["2"] == before["task"]["2"]


def test_the_default_fingerprint_is_the_one_task_runs_recorded_before(tmp_path: Path) -> None:
    """`Task.fingerprint` of a folder task is the per-item hash run.json held before table sources
    existed (sha256 of reference and page names, then the pages' bytes), so older runs still resume."""
    import hashlib
    import json

    from vlmhyperbench.tasks.synth import synthesize_task

    data = synthesize_task("classification", tmp_path / "set", n=2)
    recorded_before = {}
    for item in data.items:
        h = hashlib.sha256(json.dumps([item.reference, list(item.images)]).encode())
        for rel in item.images:
            h.update((data.root / rel).read_bytes())
        recorded_before[item.id] = h.hexdigest()[:16]
    assert get_task("classification").fingerprint(data, data.items) == {"task": recorded_before}
