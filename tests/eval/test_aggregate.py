from __future__ import annotations

import csv
from pathlib import Path

import pytest

from vlmhyperbench.data import Sample
from vlmhyperbench.eval import AGGREGATORS, aggregate, score_answers, write_aggregations

SAMPLES = [
    Sample("1", "test", "a.png", "q", "Иванов", "passport", "surname"),
    Sample("2", "test", "a.png", "q", "12.03.1990", "passport", "birth_date"),
    Sample("3", "test", "b.png", "q", "Петров", "inn", "full_name"),
    Sample("4", "test", "b.png", "q", "unanswered", "inn", "number"),
]
ANSWERS = {"1": "иванов", "2": "12.03.1991", "3": "Сидоров"}


def test_aggregations_by_hand(tmp_path: Path) -> None:
    rows = score_answers(SAMPLES, ANSWERS, ["exact_match", "cer"])
    assert [r["id"] for r in rows] == ["1", "2", "3"]  # an id without answer is not scored
    tables = aggregate(rows, ["exact_match", "cer"])
    assert list(tables) == ["by_id", "by_doc_question", "by_doc_type", "general"] == AGGREGATORS.names()
    by_type = {r["doc_class"]: r for r in tables["by_doc_type"]}
    assert by_type["passport"]["count"] == 2
    assert by_type["passport"]["exact_match"] == pytest.approx(0.5)
    assert by_type["passport"]["cer"] == pytest.approx(1 / (6 + 10))  # corpus: one edit in 16 characters
    assert by_type["passport"]["cer_row_mean"] == pytest.approx((0 + 0.1) / 2)  # one digit of ten
    assert by_type["inn"]["exact_match"] == 0.0
    (overall,) = tables["general"]
    assert overall["count"] == 3 and overall["exact_match"] == pytest.approx(1 / 3)
    assert len(tables["by_doc_question"]) == 3

    paths = write_aggregations(tmp_path / "answers.csv", tables)
    assert paths["general"].name == "answers_general.csv"
    with paths["by_doc_type"].open(encoding="utf-8") as handle:
        read = list(csv.DictReader(handle, delimiter=";"))
    assert read[0] == {
        "doc_class": "passport",
        "count": "2",
        "exact_match": "0.5",
        "cer": "0.0625",
        "exact_match_row_mean": "0.5",
        "cer_row_mean": "0.05",
    }


def test_by_id_carries_the_annotation_columns() -> None:
    (row,) = score_answers(SAMPLES[:1], ANSWERS, ["cer"])
    assert {k: row[k] for k in ("split", "image_path", "question", "answer_bbox")} == {
        "split": "test",
        "image_path": "a.png",
        "question": "q",
        "answer_bbox": "",
    }
