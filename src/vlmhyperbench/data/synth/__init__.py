"""A built-in synthetic set of Russian documents (passport page, SNILS, INN certificate, invoice).

`synthesize(out, n=200, seed=0)` renders `n` document images (classes in turn) with realistic random values
and
writes one question per asked field into `annotation.csv`. The same seed gives the same bytes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from vlmhyperbench.data.annotation import Dataset, Sample, write_annotation
from vlmhyperbench.data.synth.documents import DOCUMENT_CLASSES, Document
from vlmhyperbench.data.synth.render import font_path, render
from vlmhyperbench.data.synth.values import inn_is_valid, snils_is_valid
from vlmhyperbench.errors import UsageError

__all__ = [
    "DOCUMENT_CLASSES",
    "Document",
    "SynthOutputError",
    "font_path",
    "inn_is_valid",
    "snils_is_valid",
    "synthesize",
]


class SynthOutputError(UsageError):
    """The output folder cannot take a new dataset (it holds files, is a file, or cannot be written)."""


def _check_out(root: Path, force: bool) -> None:
    """Refuse a folder with files in it: they may be a hand-made dataset that synthesize would overwrite."""
    if root.exists() and not root.is_dir():
        raise SynthOutputError(f"--out {root} is a file, not a folder")
    if not force and root.is_dir() and any(root.iterdir()):
        raise SynthOutputError(
            f"--out {root} is not empty: writing a dataset there would replace its annotation.csv and "
            "same-named images; choose a new or empty folder (or pass --force to overwrite)"
        )


def synthesize(
    out: str | Path,
    n: int = 200,
    seed: int = 0,
    doc_classes: Sequence[str] | None = None,
    force: bool = False,
) -> Dataset:
    """Write `n` documents and their questions into `out`, a new or empty folder (`force`: any folder)."""
    if n < 1:
        raise UsageError(f"n must be at least 1, got {n}")
    classes = list(doc_classes or DOCUMENT_CLASSES)
    unknown = [c for c in classes if c not in DOCUMENT_CLASSES]
    if unknown:
        raise UsageError(f"Unknown doc_class {unknown[0]!r}. Available: {', '.join(DOCUMENT_CLASSES)}")
    root = Path(out)
    _check_out(root, force)
    try:
        (root / "images").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SynthOutputError(f"cannot create {root / 'images'}: {exc.strerror}") from None
    samples: list[Sample] = []
    for i in range(n):
        doc_class = classes[i % len(classes)]
        rng = random.Random(seed * 1_000_003 + i)
        document = DOCUMENT_CLASSES[doc_class](rng)
        image, boxes = render(document, rng)
        image_path = f"images/{doc_class}_{i:04d}.png"
        image.save(root / image_path, optimize=False)
        for item in document.questions():
            assert item.question_type and item.question
            samples.append(
                Sample(
                    data_index=f"{doc_class}_{i:04d}_{item.question_type}",
                    split="test",
                    image_path=image_path,
                    question=item.question,
                    answer=item.value,
                    doc_class=doc_class,
                    question_type=item.question_type,
                    answer_bbox=json.dumps(list(boxes[item.question_type])),
                )
            )
    write_annotation(root, samples)
    return Dataset(root, samples)
