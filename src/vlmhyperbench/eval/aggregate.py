"""Score answers against the dataset and aggregate them the way the original project names its files.

Each aggregator returns rows (dicts); `write_aggregations` writes `{answers_stem}_{aggregator}.csv` with `;`:
`by_id` (one row per answer), `by_doc_question` (doc_class x question_type), `by_doc_type` (doc_class) and
`general` (one row). by_id rows carry the annotation columns beside the scores. Group rows hold `count`,
each metric's group figure under its name (corpus-level CER/WER/BLEU, see `eval.metrics`) and the mean of
its rows as `<metric>_row_mean`.
"""

from __future__ import annotations

import csv
import inspect
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.data.annotation import Sample
from vlmhyperbench.eval.metrics import METRICS, get_metric
from vlmhyperbench.registry import Registry

Row = dict[str, object]
Aggregator = Callable[..., list[Row]]  # (rows, metrics) -> rows, optionally a keyword `yo_to_e`

AGGREGATORS: Registry[Aggregator] = Registry("aggregator")


def score_answers(
    samples: Sequence[Sample],
    answers: Mapping[str, str],
    metrics: Sequence[str] | None = None,
    *,
    yo_to_e: bool = False,
) -> list[Row]:
    """One row per sample that has an answer: ids, annotation columns, both texts and every metric."""
    specs = [get_metric(m) for m in metrics] if metrics else list(METRICS)
    rows: list[Row] = []
    for sample in samples:
        if sample.id not in answers:
            continue
        prediction = answers[sample.id]
        row: Row = {
            "id": sample.id,
            "data_index": sample.data_index,
            "doc_class": sample.doc_class,
            "question_type": sample.question_type,
            "answer": sample.answer,
            "model_answer": prediction,
            "split": sample.split,
            "image_path": sample.image_path,
            "question": sample.question,
            "answer_bbox": sample.answer_bbox,
        }
        for spec in specs:
            row[spec.name] = spec.compute(sample.answer, prediction, yo_to_e=yo_to_e)
        rows.append(row)
    return rows


def _group(
    rows: list[Row], metrics: Sequence[str], keys: Sequence[str], *, yo_to_e: bool = False
) -> list[Row]:
    groups: dict[tuple[object, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    out: list[Row] = []
    for key, members in groups.items():
        group: Row = dict(zip(keys, key, strict=True))
        group["count"] = len(members)
        references = [str(m["answer"]) for m in members]
        predictions = [str(m["model_answer"]) for m in members]
        for name in metrics:
            spec = get_metric(name)
            group[spec.name] = spec.compute_corpus(references, predictions, yo_to_e=yo_to_e)
        for name in metrics:
            spec = get_metric(name)
            group[f"{spec.name}_row_mean"] = spec.aggregate([float(m[spec.name]) for m in members])  # type: ignore[arg-type]
        out.append(group)
    return out


@AGGREGATORS.register("by_id")
def by_id(rows: list[Row], metrics: Sequence[str], *, yo_to_e: bool = False) -> list[Row]:
    return [dict(r) for r in rows]


@AGGREGATORS.register("by_doc_question")
def by_doc_question(rows: list[Row], metrics: Sequence[str], *, yo_to_e: bool = False) -> list[Row]:
    return _group(rows, metrics, ("doc_class", "question_type"), yo_to_e=yo_to_e)


@AGGREGATORS.register("by_doc_type")
def by_doc_type(rows: list[Row], metrics: Sequence[str], *, yo_to_e: bool = False) -> list[Row]:
    return _group(rows, metrics, ("doc_class",), yo_to_e=yo_to_e)


@AGGREGATORS.register("general")
def general(rows: list[Row], metrics: Sequence[str], *, yo_to_e: bool = False) -> list[Row]:
    return _group(rows, metrics, (), yo_to_e=yo_to_e) if rows else []


def aggregate(
    rows: list[Row],
    metrics: Sequence[str],
    aggregators: Sequence[str] | None = None,
    *,
    yo_to_e: bool = False,
) -> dict[str, list[Row]]:
    names = list(aggregators) if aggregators else AGGREGATORS.names()
    return {name: _call(AGGREGATORS.get(name), rows, metrics, yo_to_e) for name in names}


def _call(aggregator: Aggregator, rows: list[Row], metrics: Sequence[str], yo_to_e: bool) -> list[Row]:
    """An aggregator takes (rows, metrics); one that also names `yo_to_e` gets the run's setting."""
    if "yo_to_e" in inspect.signature(aggregator).parameters:
        return aggregator(rows, metrics, yo_to_e=yo_to_e)
    return aggregator(rows, metrics)


def write_rows(path: Path, rows: list[Row]) -> Path:
    """One table as `;`-separated CSV, written whole or not at all (a full disk leaves no cut-off file)."""
    fieldnames = list(dict.fromkeys(k for row in rows for k in row)) if rows else ["count"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, delimiter=";", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return write_text_atomic(path, buffer.getvalue())


def _cell(value: object) -> object:
    return f"{value:.6g}" if isinstance(value, float) else value


def write_aggregations(answers_file: Path, tables: Mapping[str, list[Row]]) -> dict[str, Path]:
    """`{answers_stem}_{aggregator}.csv` next to the answers file, one per table."""
    answers_file = Path(answers_file)
    return {
        name: write_rows(answers_file.with_name(f"{answers_file.stem}_{name}.csv"), rows)
        for name, rows in tables.items()
    }
