"""The page-sorting task: upstream's layout (images/<subset>/<doc>/N.jpg + jsons/<doc>.json), its checks
(file and field named), the synthetic set, the numbered sheet of pages, and scoring."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.tasks import detect_task, get_task
from vlmhyperbench.tasks.sorting import LABEL_HEIGHT
from vlmhyperbench.tasks.synth import synthesize_task


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sort") / "set"
    synthesize_task("sorting", root, n=3, seed=0)
    return root


def _copy(synthetic: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(synthetic, tmp_path / "set"))


def test_synthetic_set_has_upstreams_layout(synthetic: Path) -> None:
    data = get_task("sorting").load(synthetic)
    assert detect_task(synthetic) == "sorting"
    assert [(i.id, i.doc_class, i.reference) for i in data.items] == [
        ("clean/0", "interest_free_loan_agreement", "4,2,3,1"),
        ("clean/1", "interest_free_loan_agreement", "2,1,3,4"),
        ("clean/2", "interest_free_loan_agreement", "1,2,4,3"),
    ]
    record = json.loads((synthetic / "jsons" / "0.json").read_text(encoding="utf-8"))
    assert record["fields"] == {"interest_free_loan_agreement": [3, 1, 2, 0]}  # 0-based, as upstream
    assert data.items[0].images == tuple(f"images/clean/0/{k}.jpg" for k in range(4))


def test_the_model_sees_one_sheet_of_numbered_pages(synthetic: Path) -> None:
    task = get_task("sorting")
    data = task.load(synthetic)
    sheet = task.image(data, data.items[0])
    assert sheet.size == (2 * 800, 2 * (560 + LABEL_HEIGHT))  # 4 pages of 800x560 on a 2x2 grid
    assert '{"ordered_pages"' in task.prompt(data, data.items[0], None)
    assert task.prompt(data, data.items[0], "{pages} pages") == "4 pages"


def test_score_by_hand(synthetic: Path) -> None:
    task = get_task("sorting")
    data = task.load(synthetic)
    answers = {
        "clean/0": "Порядок: 4, 2, 3, 1",  # exact: 1 1 1 1
        "clean/1": '{"ordered_pages": [1, 2, 3, 4]}',  # one swap: tau 2/3, rho 0.8, exact 0, in place 1/2
        "clean/2": "не знаю",  # unparsed: 0
    }
    scores = task.score(data, data.items, answers)
    assert scores.general == pytest.approx(
        {
            "count": 3,
            "kendall_tau": (1 + 2 / 3) / 3,
            "spearman_rho": (1 + 0.8) / 3,
            "exact_order": 1 / 3,
            "page_accuracy": 0.5,
            "unparsed": 1 / 3,
        }
    )
    assert [r["predicted"] for r in scores.rows] == ["4,2,3,1", "1,2,3,4", ""]
    assert scores.by_doc_type[0]["doc_class"] == "interest_free_loan_agreement"


def test_problems_name_file_and_field(synthetic: Path, tmp_path: Path) -> None:
    root = _copy(synthetic, tmp_path)
    (root / "jsons" / "0.json").write_text(
        '{"fields": {"interest_free_loan_agreement": [0, 1, 1, 3]}}', "utf-8"
    )
    (root / "jsons" / "1.json").unlink()
    (root / "images" / "clean" / "2" / "3.jpg").rename(root / "images" / "clean" / "2" / "5.jpg")
    problems = [str(p) for p in get_task("sorting").check(root)]
    assert problems == [
        "jsons/0.json: field 'fields.interest_free_loan_agreement': [0, 1, 1, 3] is not an order of the "
        "4 pages 0..3 in images/*/0/",
        "jsons/1.json: file missing: every document folder needs its reading order here",
        "images/clean/2/: pages must be numbered 0..3 without gaps, found [0, 1, 2, 5]",
    ]


def test_more_problems(synthetic: Path, tmp_path: Path) -> None:
    root = _copy(synthetic, tmp_path)
    (root / "jsons" / "0.json").write_text('{"fields": {"a": [0, 1, 2, 3], "b": [3, 2, 1, 0]}}', "utf-8")
    (root / "jsons" / "1.json").write_text("{", "utf-8")
    for k in (1, 2, 3):
        (root / "images" / "clean" / "2" / f"{k}.jpg").unlink()
    problems = [str(p) for p in get_task("sorting").check(root)]
    assert problems[0] == (
        "jsons/0.json: field 'fields': expected exactly one doc class with a page-order list, found 2 (a, b)"
    )
    assert problems[1].startswith("jsons/1.json: not valid UTF-8 JSON")
    assert problems[2] == "images/clean/2/: a document needs at least 2 pages to order, found 1"
    shutil.rmtree(root / "jsons")
    assert str(get_task("sorting").check(root)[0]) == "jsons/: folder missing"


def test_data_check_and_synth_cli(synthetic: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["data", "check", str(synthetic)])
    assert ok.exit_code == 0, ok.output
    assert "sorting, 3 items, 12 images, doc_class: interest_free_loan_agreement" in ok.output
    out = tmp_path / "made"
    made = runner.invoke(app, ["data", "synth", "--task", "sorting", "--out", str(out), "--n", "1"])
    assert made.exit_code == 0, made.output
    assert (out / "jsons" / "0.json").is_file() and len(list((out / "images" / "clean" / "0").iterdir())) == 4
    wrong = runner.invoke(
        app, ["data", "synth", "--task", "sorting", "--out", str(tmp_path / "x"), "--doc-class", "inn"]
    )
    assert wrong.exit_code == 2 and "interest_free_loan_agreement" in wrong.output
