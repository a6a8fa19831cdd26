"""`speed.jsonl`: one measured batch per line, appended after its answers, so a resumed run's speed covers
the batches of every session; and the speed part of summary.json computed from it."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.runs.answers import complete_lines


def append_speed(path: Path, measurement: Any) -> None:
    """One line per batch, one `write`, fsync'ed (a line cut short is removed by `repair_speed`)."""
    record = {k: v for k, v in dataclasses.asdict(measurement).items() if k != "texts"}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def repair_speed(path: Path) -> None:
    """Cut a line left half-written by an earlier session, so the next record starts on its own line."""
    if path.exists():
        text = path.read_text(encoding="utf-8", errors="replace")
        complete = complete_lines(text)
        if complete != text:
            write_text_atomic(path, complete)


def load_speed(path: Path) -> tuple[list[Any], int]:
    """Every measured batch of the run, across resumed sessions, and the number of unreadable lines."""
    from vlmhyperbench.perf import GenerationMeasurement

    if not path.exists():
        return [], 0
    found = []
    skipped = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            found.append(GenerationMeasurement(texts=[], **json.loads(line)))
        except (ValueError, TypeError):
            skipped += 1
    return found, skipped


def speed_summary(measurements: list[Any], answered: int, skipped: int, pages: int) -> dict[str, Any]:
    """Per-batch figures, their summary, questions/s and pages/s over the whole run (any engine), and what
    they cover: a batch whose line was lost (a crash) is not in them."""
    from vlmhyperbench.perf import summarize

    summary = summarize(measurements)
    seconds = sum(m.latency_s for m in measurements)
    summary["questions_per_s"] = sum(m.batch_size for m in measurements) / seconds
    summary["pages_per_s"] = pages / seconds
    return {
        "summary": summary,
        "batches": [{"batch_size": m.batch_size, **m.figures()} for m in measurements],
        "covers": {
            "batches": len(measurements),
            "questions": sum(m.batch_size for m in measurements),
            "answered": answered,
            "unreadable_lines": skipped,
        },
    }
