"""The synthetic Russian set: valid checksums, deterministic by seed, a valid dataset with Cyrillic text."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.data import check_dataset, load_dataset
from vlmhyperbench.data.synth import font_path, inn_is_valid, snils_is_valid, synthesize
from vlmhyperbench.data.synth.values import random_inn, random_snils


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def test_known_checksums() -> None:
    assert snils_is_valid("112-233-445 95")  # the example the Pension Fund publishes
    assert not snils_is_valid("112-233-445 96")
    assert inn_is_valid("7707083893")  # Sberbank
    assert not inn_is_valid("7707083894")
    assert inn_is_valid("500100732259")  # the FNS documentation example
    assert not inn_is_valid("500100732258")


def test_random_values_have_valid_checksums() -> None:
    rng = random.Random(1)
    for _ in range(300):
        assert snils_is_valid(random_snils(rng))
        assert inn_is_valid(random_inn(rng, person=True))
        assert inn_is_valid(random_inn(rng, person=False))


def test_font_comes_from_matplotlib() -> None:
    assert font_path().is_file()


def test_synth_is_deterministic_and_valid(tmp_path: Path) -> None:
    first = synthesize(tmp_path / "a", n=4, seed=3)
    synthesize(tmp_path / "b", n=4, seed=3)
    synthesize(tmp_path / "c", n=4, seed=4)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
    assert check_dataset(tmp_path / "a") == []
    loaded = load_dataset(tmp_path / "a")
    assert loaded.samples == first.samples
    assert set(loaded.values("doc_class")) == {"passport", "snils", "inn", "invoice"}
    by_type = {(s.doc_class, s.question_type): s.answer for s in loaded.samples}
    assert snils_is_valid(by_type[("snils", "number")])
    assert inn_is_valid(by_type[("inn", "number")])
    assert inn_is_valid(by_type[("invoice", "seller_inn")])
    assert any(ch in "абвгдеёжзийклмнопрстуфхцчшщъыьэюя" for ch in by_type[("inn", "full_name")].lower())
    assert all(s.answer_bbox.startswith("[") for s in loaded.samples)


def test_synth_image_has_ink_where_the_answer_is(tmp_path: Path) -> None:
    dataset = synthesize(tmp_path, n=1, seed=0)
    sample = dataset.samples[0]
    x0, y0, x1, y1 = (int(v) for v in sample.answer_bbox.strip("[]").split(","))
    crop = dataset.load_image(sample).convert("L").crop((x0, y0, x1, y1))
    darkest = crop.getextrema()[0]  # a grayscale image's extrema are (min, max)
    assert isinstance(darkest, (int, float)) and darkest < 80  # dark text pixels inside the value's box


def test_cli_synth_then_check(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["data", "synth", "--out", str(tmp_path), "--n", "2", "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["data", "check", str(tmp_path)]).exit_code == 0
    bad = runner.invoke(app, ["data", "synth", "--out", str(tmp_path), "--doc-class", "visa"])
    assert bad.exit_code == 2 and "Unknown doc_class 'visa'" in bad.output


def test_synth_with_upstream_labels(tmp_path: Path) -> None:
    from vlmhyperbench.data.prompts import load_prompts

    dataset = synthesize(tmp_path, n=4, seed=0, labels="upstream")
    assert set(dataset.values("doc_class")) == {"passport", "snils", "tin_new", "invoice"}
    assert "Номер снилса" in dataset.values("question_type") and "ИНН" in dataset.values("question_type")
    loaded = load_dataset(tmp_path)
    assert {s.data_index for s in loaded.samples if s.doc_class == "snils"} == {
        "1"
    }  # one document, its questions
    prompts = load_prompts()
    for sample in loaded.samples:  # every upstream label has a built-in prompt standing without the question
        assert "{" not in prompts.render(replace(sample, question=""))
