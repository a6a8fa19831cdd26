"""`RunResult`: what a run hands back, the input of `report.run_report` and the CLI's results table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmhyperbench.runs.task import Row


@dataclass
class RunResult:
    """A finished run (or session): its folder, counts, the task's tables, summary.json's content (checked
    against `results.RunSummary` when written), the scored rows and every file written."""

    out: Path
    answers_file: Path
    questions: int
    answered_now: int
    tables: dict[str, list[Row]]
    summary: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
