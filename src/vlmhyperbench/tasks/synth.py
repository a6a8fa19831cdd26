"""`data synth --task classification|sorting`: a task's small synthetic set, made as `data synth` makes the
question-answering one (same renderer, seeds, degradation levels, output-folder checks, `synth.json`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlmhyperbench.tasks.base import TaskData, get_task


def synthesize_task(name: str, out: str | Path, *settings: Any, **named: Any) -> TaskData:
    """Write task `name`'s synthetic set into `out`; the settings are `Task.make_synthetic`'s (n, seed,
    doc_classes, degradation, force, labels), positional or named."""
    return get_task(name).make_synthetic(out, *settings, **named)
