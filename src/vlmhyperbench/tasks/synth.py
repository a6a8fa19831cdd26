"""`data synth --task classification|sorting`: a task's small synthetic set, made as `data synth` makes the
question-answering one (same renderer, seeds, degradation levels, output-folder checks, `synth.json`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
    """Write `n` items of task `name`'s synthetic set into `out`, a new or empty folder (`force`: any)."""
    return get_task(name).make_synthetic(out, n, seed, doc_classes, degradation, force, labels)
