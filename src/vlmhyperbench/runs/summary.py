"""summary.json of a run so far, in one shape for every task (`results.RunSummary`): this session's facts,
the task's scores and the speed of every session that measured."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vlmhyperbench.data.synth import read_manifest
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.runs.files import SPEED_FILE, SUMMARY_FILE
from vlmhyperbench.runs.record import previous_summary
from vlmhyperbench.runs.speed import load_speed, speed_summary
from vlmhyperbench.runs.task import Prepared, Scored


def now() -> str:
    """A UTC timestamp to the second, as summary.json records `started` and `finished`."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunSession:
    """What one session of a run learned as it went: when it started, what it asked, measured and loaded."""

    config: RunConfig
    out: Path
    resumed: bool
    started: str
    asked: int = 0
    elapsed: float = 0.0
    measurements: list[Any] = field(default_factory=list)
    model_info: dict[str, Any] = field(default_factory=dict)


def _speed(session: RunSession, answered: int, pages: int) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The speed of every batch of the run (earlier sessions too) and the model info; an earlier session's
    when this one asked nothing."""
    measurements, model_info = session.measurements, session.model_info
    skipped = 0
    if measurements:  # this session ran the model: count every batch of the run, earlier sessions too
        recorded, skipped = load_speed(session.out / SPEED_FILE)
        measurements = recorded or measurements
    speed = speed_summary(measurements, answered, skipped, pages) if measurements else None
    previous = previous_summary(session.out)
    if not measurements and previous is not None:
        speed = previous.speed.model_dump() if previous.speed else None
        model_info = previous.model or model_info
    return speed, model_info


def build_summary(session: RunSession, prepared: Prepared, scored: Scored) -> dict[str, Any]:
    """summary.json's content (written by `write_summary`)."""
    from vlmhyperbench.env.info import collect_environment

    items = prepared.items
    speed, model_info = _speed(session, len(scored.rows), prepared.pages)
    return {
        "run": {
            "out": str(session.out),
            "started": session.started,
            "finished": now(),
            "resumed": session.resumed,
            "questions": len(items),
            "answered": len(scored.rows),
            "asked_this_session": session.asked,
            "inference_wall_s": session.elapsed,
            "not_answerable": prepared.not_answerable,
        },
        "config": session.config.model_dump(mode="json"),
        "model": model_info,
        "dataset": {
            "path": str(prepared.root),
            "questions": len(items),
            "images": prepared.pages,
            "doc_class": {
                c: sum(i.doc_class == c for i in items) for c in dict.fromkeys(i.doc_class for i in items)
            },
            "degradation": read_manifest(prepared.root).get("degradation"),
            **prepared.dataset_info,
        },
        "metrics": scored.metrics,
        "general": scored.general,
        "by_doc_type": scored.by_doc_type,
        "by_doc_question": scored.by_doc_question,
        "speed": speed,
        "environment": collect_environment(),
        "prompts": prepared.prompts,
        **scored.extra,
    }


def clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def write_summary(out: str | Path, summary: dict[str, Any]) -> Path:
    """summary.json, checked against `vlmhyperbench.results.RunSummary`: strict JSON (NaN written as null),
    and its tables as flat CSV beside it (`results.flat`)."""
    from vlmhyperbench.results import RunSummary, save_run_summary
    from vlmhyperbench.results.flat import write_flat_tables

    parsed = RunSummary.model_validate(clean(summary))
    path = save_run_summary(Path(out) / SUMMARY_FILE, parsed)
    tables = {"general": [parsed.general], "by_doc_type": parsed.by_doc_type}
    write_flat_tables(Path(out), {**tables, "by_doc_question": parsed.by_doc_question})
    return path
