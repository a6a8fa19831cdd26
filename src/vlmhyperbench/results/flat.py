"""Flat CSV tables beside summary.json, one per aggregation, that any CSV reader takes without options.

`answers_*.csv` keep upstream VLMHyperBench's layout (`;`, its columns, a BOM where upstream writes one),
which pandas cannot read as is (`answer_bbox` holds commas, digits-only answers lose their leading zeros).
These are the same figures for tools: comma-separated, UTF-8 without BOM, one header line, quoted only
where a value needs it, a missing figure left empty, a list or mapping written as JSON.

    general.csv          the whole run: count and one column per metric
    by_doc_type.csv      one row per document class (or a public benchmark's group)
    by_doc_question.csv  one row per (doc class, question type), when the run has them
    by_id.csv            one row per question: ids, reference, answer and each metric's score

Read them with `pandas.read_csv(path, dtype={"id": str, "answer": str, "model_answer": str})`
(docs/outputs.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vlmhyperbench.atomic import write_text_atomic

FLAT_TABLES = ("general", "by_doc_type", "by_doc_question", "by_id")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as comma-separated text; the header is every key, in the order first seen."""
    header = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(k)) for k in header])
    return buffer.getvalue()


def write_flat_tables(out: Path, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Path]:
    """`<name>.csv` in `out` for each non-empty table named in FLAT_TABLES; returns what was written."""
    written = {}
    for name in FLAT_TABLES:
        rows = tables.get(name) or []
        if rows:
            path = out / f"{name}.csv"
            write_text_atomic(path, render_csv(rows))
            written[f"table_{name}"] = path
    return written
