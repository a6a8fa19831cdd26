"""The classification task: upstream's folder layout, its checks (file and field named), the synthetic
set, prompt and scoring."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.data.validate import DatasetError
from vlmhyperbench.tasks import detect_task, get_task
from vlmhyperbench.tasks.synth import synthesize_task


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cls") / "set"
    synthesize_task("classification", root, n=4, seed=0)
    return root


def _copy(synthetic: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(synthetic, tmp_path / "set"))


def test_synthetic_set_has_upstreams_layout(synthetic: Path) -> None:
    data = get_task("classification").load(synthetic)
    assert detect_task(synthetic) == "classification"
    assert [(i.id, i.reference, i.split) for i in data.items] == [
        ("inn/images/clean/0002.jpg", "inn", "clean"),
        ("invoice/images/clean/0003.jpg", "invoice", "clean"),
        ("passport/images/clean/0000.jpg", "passport", "clean"),
        ("snils/images/clean/0001.jpg", "snils", "clean"),
    ]
    assert list(data.classes) == ["passport", "snils", "inn", "invoice"]  # the prompt's order
    assert json.loads((synthetic / "synth.json").read_text(encoding="utf-8"))["task"] == "classification"


def test_upstream_labels(tmp_path: Path) -> None:
    data = synthesize_task("classification", tmp_path / "up", n=3, labels="upstream", doc_classes=["inn"])
    assert data.classes == {"tin_new": "ИНН нового образца"}
    assert {i.doc_class for i in data.items} == {"tin_new"}


def test_prompt_numbers_the_classes_as_upstream(synthetic: Path) -> None:
    task = get_task("classification")
    data = task.load(synthetic)
    prompt = task.prompt(data, data.items[0], None)
    assert "0: Паспорт, 1: СНИЛС, 2: ИНН, 3: Счёт на оплату" in prompt
    assert task.prompt(data, data.items[0], "Классы: {classes}?") == (
        "Классы: 0: Паспорт, 1: СНИЛС, 2: ИНН, 3: Счёт на оплату?"
    )


def test_score_parses_and_counts_unparsed(synthetic: Path) -> None:
    task = get_task("classification")
    data = task.load(synthetic)
    answers = {
        "passport/images/clean/0000.jpg": "0",
        "snils/images/clean/0001.jpg": "Это СНИЛС",
        "inn/images/clean/0002.jpg": "1",  # says snils
        "invoice/images/clean/0003.jpg": "не знаю",
    }
    scores = task.score(data, data.items, answers)
    # snils: tp 1, predicted 2 -> P 1/2, R 1, F1 2/3; passport all 1; inn, invoice 0. Each class weighs 1/4.
    assert scores.general == pytest.approx(
        {
            "count": 4,
            "accuracy": 0.5,
            "precision": 0.375,
            "recall": 0.5,
            "f1": (1 + 2 / 3) / 4,
            "unparsed": 0.25,
        }
    )
    by_class = {r["doc_class"]: r for r in scores.by_doc_type}
    assert by_class["snils"]["precision"] == pytest.approx(0.5) and by_class["invoice"]["unparsed"] == 1.0
    assert [r["predicted"] for r in scores.rows] == ["snils", "None", "passport", "snils"]


def test_problems_name_file_and_field(synthetic: Path, tmp_path: Path) -> None:
    root = _copy(synthetic, tmp_path)
    (root / "snils" / "images" / "clean" / "notes.txt").write_text("x", encoding="utf-8")
    (root / "passport" / "images" / "clean" / "0000.jpg").write_bytes(b"not a jpeg")
    shutil.copytree(root / "inn", root / "tin_old")
    (root / "invoice" / "images" / "loose.jpg").write_bytes(b"")
    problems = [str(p) for p in get_task("classification").check(root)]
    assert "snils/images/clean/notes.txt: not an image (.jpg, .png, ...)" in problems
    assert any(
        p.startswith("passport/images/clean/0000.jpg: image ") and "cannot be read" in p for p in problems
    )
    assert any(
        p.startswith("tin_old/: class folder 'tin_old' is not listed in document_classes.json")
        for p in problems
    )
    assert any(p.startswith("invoice/images/loose.jpg: a page must sit in a subset folder") for p in problems)
    assert all("\n" not in p for p in problems)
    with pytest.raises(DatasetError):
        get_task("classification").load(root)


def test_bad_classes_file(synthetic: Path, tmp_path: Path) -> None:
    root = _copy(synthetic, tmp_path)
    (root / "document_classes.json").write_text('{"passport": 3}', encoding="utf-8")
    assert [str(p) for p in get_task("classification").check(root)] == [
        "document_classes.json: field 'passport': expected a non-empty display name (string)"
    ]
    (root / "document_classes.json").write_text("{", encoding="utf-8")
    assert str(get_task("classification").check(root)[0]).startswith(
        "document_classes.json: not valid UTF-8 JSON"
    )


def test_without_classes_file_the_folders_are_the_classes(synthetic: Path, tmp_path: Path) -> None:
    root = _copy(synthetic, tmp_path)
    (root / "document_classes.json").unlink()
    assert get_task("classification").load(root).classes == {
        "inn": "inn",
        "invoice": "invoice",
        "passport": "passport",
        "snils": "snils",
    }


def test_data_check_cli(synthetic: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["data", "check", str(synthetic)])
    assert ok.exit_code == 0, ok.output
    assert "classification, 4 items, 4 images" in ok.output
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = runner.invoke(app, ["data", "check", str(empty), "--task", "classification"])
    assert bad.exit_code == 1 and "no class folders" in bad.output


def test_data_synth_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cls"
    done = runner.invoke(app, ["data", "synth", "--task", "classification", "--out", str(out), "--n", "2"])
    assert done.exit_code == 0, done.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.jpg")) == [
        "passport/images/clean/0000.jpg",
        "snils/images/clean/0001.jpg",
    ]
    again = runner.invoke(app, ["data", "synth", "--task", "classification", "--out", str(out), "--n", "2"])
    assert again.exit_code == 2 and "is not empty" in again.output
