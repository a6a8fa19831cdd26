"""The Tesseract baseline with the real `tesseract` binary (CI installs tesseract-ocr + tesseract-ocr-rus)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from vlmhyperbench.data.synth import font_path, synthesize
from vlmhyperbench.engines.tesseract import (
    TesseractError,
    TesseractSpec,
    answer_questions,
    answerable,
    binary_available,
    check_installed,
    crop,
    parse_spec,
    read_region,
)
from vlmhyperbench.eval.metrics import METRICS

needs_tesseract = pytest.mark.skipif(
    not binary_available(),
    reason="the tesseract binary is not installed (apt-get install tesseract-ocr tesseract-ocr-rus)",
)


def test_spec_names_the_languages() -> None:
    assert parse_spec("tesseract:rus+eng") == TesseractSpec(langs="rus+eng")
    assert parse_spec("tesseract").langs == "rus"
    assert parse_spec("tesseract:rus").name == "tesseract:rus"
    with pytest.raises(TesseractError, match="joined by"):
        parse_spec("tesseract:rus+")
    with pytest.raises(TesseractError, match="not a Tesseract spec"):
        parse_spec("dummy:tiny-qwen2-vl")


def test_crop_is_clipped_to_the_page() -> None:
    page = Image.new("RGB", (100, 50))
    assert crop(page, (2, 3, 98, 49), pad=4).size == (100, 50)  # clipped to the page


@needs_tesseract
def test_a_missing_language_is_named() -> None:
    assert check_installed(TesseractSpec("rus+eng")).startswith("5")
    with pytest.raises(TesseractError, match=r"'zzz'.*tesseract-ocr-zzz"):
        check_installed(TesseractSpec("rus+zzz"))


@needs_tesseract
def test_reads_a_rendered_line() -> None:
    page = Image.new("RGB", (500, 80), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(font_path(bold=True)), 20)
    draw.text((20, 30), "ИВАНОВА ОЛЬГА", font=font, fill="black")
    draw.text((20, 0), "мешающая строка", font=font, fill="black")  # above the box: not read
    x0, y0, x1, y1 = draw.textbbox((20, 30), "ИВАНОВА ОЛЬГА", font=font)
    assert read_region(page, (int(x0), int(y0), int(x1), int(y1)), TesseractSpec("rus")) == "ИВАНОВА ОЛЬГА"


@needs_tesseract
def test_clean_synthetic_documents_read_almost_perfectly(tmp_path: Path) -> None:
    dataset = synthesize(tmp_path, n=8, seed=1)
    # one question loses its box: the engine must list it, not answer it
    dropped = dataset.samples[0].id
    dataset.samples[0] = dataclasses.replace(dataset.samples[0], answer_bbox="")
    assert not answerable(dataset.samples[0])

    result = answer_questions(dataset, dataset.samples, TesseractSpec("rus"))

    assert result.not_answerable == [dropped]
    assert dropped not in result.answers
    assert len(result.answers) == len(dataset) - 1
    cer = METRICS.get("cer")
    scored = [s for s in dataset.samples if s.id in result.answers]
    corpus_cer = sum(cer.compute(s.answer, result.answers[s.id]) for s in scored) / len(scored)
    assert corpus_cer < 0.05, corpus_cer
    speed = result.speed()
    assert speed["pages"] == 8 and speed["questions"] == len(dataset) - 1
    assert speed["pages_per_s"] > 0 and speed["questions_per_s"] > speed["pages_per_s"]
    assert json.loads(scored[0].answer_bbox)  # the rows it read all had boxes


@needs_tesseract
def test_run_with_tesseract_leaves_out_rows_without_a_box(tmp_path: Path) -> None:
    """`run --model tesseract:rus`: answers, scores, speed, and the oracle-layout note in the report."""
    from vlmhyperbench.data.annotation import write_annotation
    from vlmhyperbench.eval.config import RunConfig
    from vlmhyperbench.evaluate import run_evaluation

    dataset = synthesize(tmp_path / "set", n=4, seed=3, degradation="scan")
    boxless = dataset.samples[2].id
    dataset.samples[2] = dataclasses.replace(dataset.samples[2], answer_bbox="")
    write_annotation(tmp_path / "set", dataset.samples)

    config = RunConfig(model="tesseract:rus+eng", dataset=tmp_path / "set", out=tmp_path / "run")
    result = run_evaluation(config, show_progress=False)

    summary = result.summary
    assert summary["run"]["not_answerable"] == 1
    assert summary["run"]["questions"] == summary["run"]["answered"] == len(dataset) - 1
    answered = (tmp_path / "run" / "answers.csv").read_text(encoding="utf-8")
    ids = [line.split(";")[0] for line in answered.splitlines()[1:]]
    assert boxless not in ids and len(answered.splitlines()) == len(dataset)  # header + answerable
    assert summary["general"]["cer"] < 0.1
    assert summary["dataset"]["degradation"] == "scan"
    assert summary["model"]["engine"] == "tesseract" and summary["model"]["tesseract"].startswith("5")
    speed = summary["speed"]["summary"]
    assert speed["questions_per_s"] > speed["pages_per_s"] > 0
    assert speed["output_tokens_per_s"] is None  # no tokens: absent, not 0
    report = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert "oracle-layout baseline" in report and "pages/s" in report
    assert "| not answerable by this engine (left out) | 1 |" in report
