"""`data synth --task classification|sorting`: a task's small synthetic set, made as `data synth` makes the
question-answering one (same renderer, seeds, degradation levels, output-folder checks, `synth.json`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from vlmhyperbench.data.synth import MANIFEST_FILE, SynthOutputError, check_out_folder
from vlmhyperbench.data.synth.degrade import check_level
from vlmhyperbench.errors import UsageError
from vlmhyperbench.tasks.base import TaskData, get_task


def synthesize_task(
    name: str,
    out: str | Path,
    n: int = 20,
    seed: int = 0,
    doc_classes: Sequence[str] | None = None,
    degradation: str = "none",
    force: bool = False,
    labels: str = "ours",
) -> TaskData:
    """Write `n` items of the task's synthetic set into `out`, a new or empty folder (`force`: any)."""
    task = get_task(name)
    check_level(degradation)
    if n < 1:
        raise UsageError(f"n must be at least 1, got {n}")
    root = Path(out)
    check_out_folder(root, force)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SynthOutputError(f"cannot create {root}: {exc.strerror}") from None
    data = task.synthesize(root, n, seed, doc_classes, degradation, labels)
    manifest = {
        "generator": f"vlmhyperbench.tasks.{name}",
        "task": name,
        "n": n,
        "seed": seed,
        "doc_classes": list(doc_classes or []),
        "degradation": degradation,
        "labels": labels,
    }
    (root / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return data
