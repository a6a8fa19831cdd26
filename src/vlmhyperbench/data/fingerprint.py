"""What a run read from its dataset, as hashes: annotation.csv, each image, and each selected question.

A resumed run keeps the answers of the first session; if a question, its reference or its image was edited
in between, those answers would be scored against data the model never saw. `fingerprint` is recorded in
`run.json` when a run starts and `changes` names what differs when it resumes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vlmhyperbench.data.annotation import ANNOTATION_FILE, COLUMNS, Dataset, Sample

SHOWN = 5  # changed names listed in a message before "and N more"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sample_sha256(sample: Sample) -> str:
    record = json.dumps([getattr(sample, c) for c in COLUMNS], ensure_ascii=False)
    return hashlib.sha256(record.encode("utf-8")).hexdigest()[:16]


def fingerprint(dataset: Dataset, samples: Sequence[Sample]) -> dict[str, Any]:
    """Hashes of annotation.csv, of every image the samples use and of every sample's row."""
    images = dict.fromkeys(s.image_path for s in samples)
    return {
        ANNOTATION_FILE: _file_sha256(dataset.root / ANNOTATION_FILE),
        "images": {p: _file_sha256(dataset.root / p) for p in images},
        "questions": {s.id: _sample_sha256(s) for s in samples},
    }


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def changes(before: dict[str, Any], now: dict[str, Any], answered: set[str]) -> list[str]:
    """What differs for the already answered questions: their rows and their images (empty: nothing)."""
    found = []
    questions = [i for i in before.get("questions", {}) if i in answered]
    edited = [
        i for i in questions if now["questions"].get(i, before["questions"][i]) != before["questions"][i]
    ]
    if edited:
        found.append(f"{ANNOTATION_FILE}: question row(s) edited for id {_listed(edited)}")
    images = [
        p for p, sha in before.get("images", {}).items() if p in now["images"] and now["images"][p] != sha
    ]
    if images:
        found.append(f"image(s) changed: {_listed(images)}")
    return found
