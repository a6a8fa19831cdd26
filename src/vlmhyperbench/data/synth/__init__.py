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

__all__ = ["DOCUMENT_CLASSES", "Document", "font_path", "inn_is_valid", "snils_is_valid", "synthesize"]


def synthesize(
    out: str | Path, n: int = 200, seed: int = 0, doc_classes: Sequence[str] | None = None
) -> Dataset:
    """Write `n` documents and their questions into `out` (created; existing files are overwritten)."""
    if n < 1:
        raise UsageError(f"n must be at least 1, got {n}")
    classes = list(doc_classes or DOCUMENT_CLASSES)
    unknown = [c for c in classes if c not in DOCUMENT_CLASSES]
    if unknown:
        raise UsageError(f"Unknown doc_class {unknown[0]!r}. Available: {', '.join(DOCUMENT_CLASSES)}")
    root = Path(out)
    (root / "images").mkdir(parents=True, exist_ok=True)
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
