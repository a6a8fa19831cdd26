"""Degraded synthetic documents: deterministic, boxes that follow the page, harder to read at each level."""

from __future__ import annotations

import io
import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from vlmhyperbench.data import load_dataset
from vlmhyperbench.data.synth import LEVELS, degrade, read_manifest, synthesize
from vlmhyperbench.eval.metrics import METRICS


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _page() -> Image.Image:
    return Image.new("RGB", (800, 560), (250, 250, 248))


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    boxes = {"a": (100, 100, 300, 120)}
    first, first_boxes = degrade(_page(), boxes, "photo", seed=3)
    again, again_boxes = degrade(_page(), boxes, "photo", seed=3)
    other, _ = degrade(_page(), boxes, "photo", seed=4)
    assert _png(first) == _png(again) and first_boxes == again_boxes
    assert _png(first) != _png(other)
    assert first.size == (800, 560)


def test_none_is_the_clean_page_and_unknown_levels_are_named() -> None:
    page = _page()
    image, boxes = degrade(page, {"a": (1, 2, 3, 4)}, "none", seed=0)
    assert image is page and boxes == {"a": (1, 2, 3, 4)}
    with pytest.raises(
        ValueError, match=r"Unknown degradation 'blurry'\. Available: none, scan, photo, heavy"
    ):
        degrade(page, {}, "blurry", seed=0)


@pytest.mark.parametrize("level", ["scan", "photo", "heavy"])
def test_boxes_follow_the_skew_and_perspective(level: str) -> None:
    """Black markers drawn at the boxes are still inside the moved boxes, and the boxes did move."""
    boxes = {"top": (60, 40, 360, 64), "middle": (300, 250, 700, 274), "corner": (600, 480, 780, 500)}
    page = _page()
    draw = ImageDraw.Draw(page)
    for box in boxes.values():
        draw.rectangle(box, fill="black")
    moved_any = False
    for seed in range(3):
        image, moved = degrade(page, boxes, level, seed=seed)
        dark = np.asarray(image.convert("L")) < 70
        for name, (x0, y0, x1, y1) in moved.items():
            ox0, oy0, ox1, oy1 = boxes[name]
            inside = dark[max(0, y0 - 2) : y1 + 3, max(0, x0 - 2) : x1 + 3].sum()
            marker_area = (ox1 - ox0) * (oy1 - oy0)
            assert inside > 0.8 * marker_area, (level, seed, name, inside, marker_area)
            moved_any |= (x0, y0, x1, y1) != boxes[name]
    assert moved_any


def test_the_dataset_records_its_degradation(tmp_path: Path) -> None:
    dataset = synthesize(tmp_path / "scan", n=4, seed=2, degradation="scan")
    assert read_manifest(tmp_path / "scan") == {
        "generator": "vlmhyperbench.data.synth",
        "n": 4,
        "seed": 2,
        "doc_classes": ["passport", "snils", "inn", "invoice"],
        "degradation": "scan",
        "labels": "ours",
        "albumentations": read_manifest(tmp_path / "scan")["albumentations"],
    }
    assert load_dataset(tmp_path / "scan").samples == dataset.samples  # the validator accepts it
    clean = synthesize(tmp_path / "none", n=4, seed=2)
    assert read_manifest(tmp_path / "none")["degradation"] == "none"
    # the same documents and questions at every level: only the pixels and boxes differ
    assert [(s.data_index, s.answer) for s in clean.samples] == [
        (s.data_index, s.answer) for s in dataset.samples
    ]
    for sample in dataset.samples:
        x0, y0, x1, y1 = json.loads(sample.answer_bbox)
        assert 0 <= x0 < x1 <= 800 and 0 <= y0 < y1 <= 560


@pytest.mark.skipif(
    not shutil.which("tesseract"),
    reason="the tesseract binary is not installed (apt-get install tesseract-ocr tesseract-ocr-rus)",
)
def test_tesseract_reads_worse_at_each_level(tmp_path: Path) -> None:
    from vlmhyperbench.engines.tesseract import TesseractSpec, answer_questions

    cer = METRICS.get("cer")
    by_level = {}
    for level in LEVELS:
        dataset = synthesize(tmp_path / level, n=8, seed=1, degradation=level)
        answers = answer_questions(dataset, dataset.samples, TesseractSpec("rus")).answers
        by_level[level] = sum(cer.compute(s.answer, answers[s.id]) for s in dataset.samples) / len(dataset)
    values = [by_level[level] for level in LEVELS]
    assert by_level["none"] < 0.05, by_level
    assert all(a < b for a, b in itertools.pairwise(values)), by_level


def test_data_synth_degrade_option(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vlmhyperbench.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["data", "synth", "--out", str(tmp_path), "--n", "1", "--degrade", "heavy"])
    assert done.exit_code == 0, done.output
    assert read_manifest(tmp_path)["degradation"] == "heavy"
    refused = runner.invoke(app, ["data", "synth", "--out", str(tmp_path / "x"), "--degrade", "blur"])
    assert refused.exit_code == 2 and "Unknown degradation 'blur'" in refused.output
