"""Pieces of a run's summary.json for the tests that build one by hand (report, schema, fault catalogue).

The run section has one shape everywhere; only the sizes differ between tests.
"""

from __future__ import annotations

from typing import Any


def run_section(*, questions: int, inference_wall_s: float, out: str = "x") -> dict[str, Any]:
    """The "run" section of a finished, not resumed run that answered every question in one session."""
    return {
        "out": out,
        "started": "2026-01-01T00:00:00+00:00",
        "finished": "2026-01-01T00:01:00+00:00",
        "resumed": False,
        "questions": questions,
        "answered": questions,
        "asked_this_session": questions,
        "inference_wall_s": inference_wall_s,
    }
