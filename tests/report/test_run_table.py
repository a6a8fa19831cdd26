"""The table a run ends with: doc class rows and an `all` row, in the run's scoring profile."""

from __future__ import annotations

import io
import re
from typing import Any

from rich.console import Console

from vlmhyperbench.report.run_table import results_table


def _text(summary: dict[str, Any]) -> list[list[str]]:
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(results_table(summary))
    rows = [line for line in console.export_text().splitlines() if line.startswith(("│", "┃"))]
    return [[c.strip() for c in re.split("[│┃]", line)[1:-1]] for line in rows]


def test_default_profile_rows_and_a_missing_figure() -> None:
    summary = {
        "metrics": {"cer": {"higher_is_better": False}, "anls": {"higher_is_better": True}},
        "by_doc_type": [
            {"doc_class": "inn", "count": 4, "cer": 0.25, "anls": 0.5},
            {"doc_class": "snils", "count": 3, "cer": None, "anls": 1.0},
        ],
        "general": {"count": 7, "cer": 0.125, "anls": 0.75},
        "scoring": {"profile": "default"},
    }
    assert _text(summary) == [
        ["doc_class", "cer ↓", "anls ↑", "n"],
        ["inn", "0.2500", "0.5000", "4"],
        ["snils", "-", "1.0000", "3"],
        ["all", "0.1250", "0.7500", "7"],
    ]


def test_upstream_profile_reads_its_own_section() -> None:
    summary = {
        "metrics": {"anls": {"higher_is_better": True}},
        "by_doc_type": [{"doc_class": "inn", "count": 4, "anls": 0.5}],
        "general": {"count": 4, "anls": 0.5},
        "scoring": {
            "profile": "upstream",
            "metrics": {"wer": {"higher_is_better": False}, "bleu": {"higher_is_better": True}},
            "by_doc_type": [{"doc_class": "inn", "count": 4, "wer": 0.5, "bleu": 42.0}],
            "general": {"count": 4, "wer": 0.5, "bleu": 42.0},
        },
    }
    assert _text(summary) == [
        ["doc_class", "wer ↓", "bleu ↑", "n"],
        ["inn", "0.5000", "42.0000", "4"],
        ["all", "0.5000", "42.0000", "4"],
    ]
