"""A built-in synthetic set of Russian documents (passport page, SNILS, INN certificate, invoice).

`synthesize(out, n=200, seed=0)` renders `n` document images (classes in turn) with realistic random values
and writes one question per asked field into `annotation.csv`. The same seed gives the same bytes.
`degrade="scan"|"photo"|"heavy"` damages each page (see `degrade.py`) after rendering, with its own random
stream: the documents and questions are the same at every level, only the pixels and boxes change.
`synth.json` beside the annotation records how the set was made, its degradation included.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from vlmhyperbench.data.annotation import Dataset, Sample, write_annotation
from vlmhyperbench.data.synth.degrade import LEVELS, check_level, degrade
from vlmhyperbench.data.synth.documents import DOCUMENT_CLASSES, Document
from vlmhyperbench.data.synth.labels import relabel
from vlmhyperbench.data.synth.render import font_path, render
from vlmhyperbench.data.synth.values import inn_is_valid, snils_is_valid
from vlmhyperbench.errors import UsageError

__all__ = [
    "DOCUMENT_CLASSES",
    "LEVELS",
    "MANIFEST_FILE",
    "Document",
    "SynthOutputError",
    "degrade",
    "font_path",
    "inn_is_valid",
    "read_manifest",
    "snils_is_valid",
    "synthesize",
]

MANIFEST_FILE = "synth.json"


class SynthOutputError(UsageError):
    """The output folder cannot take a new dataset (it holds files, is a file, or cannot be written)."""


def check_out_folder(root: Path, force: bool) -> None:
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
    degradation: str = "none",
    force: bool = False,
    labels: str = "ours",
) -> Dataset:
    """Write `n` documents and their questions into `out`, a new or empty folder (`force`: any folder)."""
    check_level(degradation)
    relabel("snils", "number", labels)  # an unknown label set fails before any file is written
    if n < 1:
        raise UsageError(f"n must be at least 1, got {n}")
    classes = list(doc_classes or DOCUMENT_CLASSES)
    unknown = [c for c in classes if c not in DOCUMENT_CLASSES]
    if unknown:
        raise UsageError(f"Unknown doc_class {unknown[0]!r}. Available: {', '.join(DOCUMENT_CLASSES)}")
    root = Path(out)
    check_out_folder(root, force)
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
        # its own stream, apart from the content's: every level damages the very same documents
        image, boxes = degrade(image, boxes, degradation, seed=(seed * 1_000_003 + i) * 4 + 1)
        image_path = f"images/{doc_class}_{i:04d}.png"
        image.save(root / image_path, optimize=False)
        for item in document.questions():
            assert item.question_type and item.question
            labelled = relabel(doc_class, item.question_type, labels)
            samples.append(
                Sample(
                    data_index=str(i),  # the document number, shared by its questions (as upstream)
                    split="test",
                    image_path=image_path,
                    question=item.question,
                    answer=item.value,
                    doc_class=labelled[0],
                    question_type=labelled[1],
                    answer_bbox=json.dumps(list(boxes[item.question_type])),
                    position=len(samples),
                )
            )
    write_annotation(root, samples)
    manifest = {
        "generator": "vlmhyperbench.data.synth",
        "n": n,
        "seed": seed,
        "doc_classes": classes,
        "degradation": degradation,
        "labels": labels,
    }
    if degradation != "none":
        from importlib.metadata import version

        manifest["albumentations"] = version("albumentations")
    (root / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return Dataset(root, samples)


def read_manifest(root: str | Path) -> dict[str, object]:
    """How a synthetic set was made ({} for a folder that `synthesize` did not write)."""
    path = Path(root) / MANIFEST_FILE
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))
