"""`samples.jsonl`: one JSON line per answered item, appended as the answers arrive: its id, the task, the
prompt as sent, the model's answer, the reference, each per-item metric score, the group keys and the
latency (an in-process batch's latency is shared by its items; a served answer's is in requests.jsonl).

A line is written (one `write`, fsync'ed) before its answer reaches answers.csv. When a session starts,
`repair_samples` keeps exactly one line per id answers.csv holds: a line cut short by a crash, the line of
an answer that never reached answers.csv (that item is asked again) and a repeated id are dropped, so
after any `--resume` the file has one line per answer, nothing twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.engines import Query
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.runs.answers import complete_lines
from vlmhyperbench.runs.summary import clean
from vlmhyperbench.runs.task import Prepared, RunTask


def repair_samples(path: Path, answered: set[str]) -> None:
    """Keep the first complete line of each answered id, in file order; drop the rest (see module)."""
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    kept: list[str] = []
    seen: set[str] = set()
    for line in complete_lines(text).splitlines():
        try:
            sample_id = json.loads(line)["id"]
        except (ValueError, TypeError, KeyError):
            continue
        if sample_id in answered and sample_id not in seen:
            seen.add(sample_id)
            kept.append(line + "\n")
    if "".join(kept) != text:
        write_text_atomic(path, "".join(kept))


class SamplesWriter:
    """Appends the scored lines of each batch of answers to `path` (see module)."""

    def __init__(self, path: Path, task: RunTask, prepared: Prepared, config: RunConfig) -> None:
        self.path, self.task, self.prepared, self.config = path, task, prepared, config
        self.metrics = task.metric_names(config)

    def lines(
        self, items: Sequence[Any], queries: Sequence[Query], answers: Sequence[str], latency: float | None
    ) -> str:
        """The JSON lines of one batch, each scored on its own (the task's per-item scores)."""
        given = {item.id: answer for item, answer in zip(items, answers, strict=True)}
        rows = {row["id"]: row for row in self.task.score_items(self.prepared, self.config, items, given)}
        text = ""
        for item, query, answer in zip(items, queries, answers, strict=True):
            row = rows.get(item.id, {})
            record = {
                "id": item.id,
                "task": self.task.name,
                "prompt": query.prompt,
                "answer": answer,
                "reference": row.get("answer"),
                "scores": {name: row.get(name) for name in self.metrics},
                "groups": {key: row[key] for key in self.task.group_keys if key in row},
                "latency_s": latency,
            }
            text += json.dumps(clean(record), ensure_ascii=False) + "\n"
        return text

    def append(
        self, items: Sequence[Any], queries: Sequence[Query], answers: Sequence[str], latency: float | None
    ) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(self.lines(items, queries, answers, latency))
            handle.flush()
            os.fsync(handle.fileno())
