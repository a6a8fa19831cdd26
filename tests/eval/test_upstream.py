"""The `upstream` profile against numbers produced by the real metric_evaluator 0.1.1.

How `golden/upstream/expected/*.csv` were produced (never by this code): `make_fixture.py` wrote
`annotation.csv` (BOM, CRLF, shared data_index, Russian question types, 39 questions) and `answers.csv`
(37 answers, two of them swapped in order, one id the dataset lacks, two questions unanswered). Then, in a
throwaway venv (`uv venv /tmp/upstream-venv; uv pip install jiwer==3.0.5 sacrebleu==2.5.1 pandas==2.2.3`)
with metric_evaluator checked out at tag 0.1.1 (commit 204e7ce), `MetricEvaluator(annotation, answers)
.save_function_results(csv_path=f"answers_{agg}.csv", func_name=agg)` for the four aggregators wrote the
files kept here unchanged.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from vlmhyperbench.eval.upstream import (
    UPSTREAM_AGGREGATORS,
    UpstreamFormatError,
    pandas_text,
    score_upstream,
    write_upstream_tables,
)

GOLDEN = Path(__file__).parent / "golden" / "upstream"
METRIC_COLUMNS = {"wer_error", "cer_error", "bleu_score", "bleu_error"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("upstream")
    result = score_upstream(GOLDEN / "annotation.csv", GOLDEN / "answers.csv")
    return write_upstream_tables(GOLDEN / "answers.csv", result.tables, out)


@pytest.mark.parametrize("aggregator", UPSTREAM_AGGREGATORS)
def test_tables_match_metric_evaluator_0_1_1(written: dict[str, Path], aggregator: str) -> None:
    expected = _read(GOLDEN / "expected" / f"answers_{aggregator}.csv")
    ours = _read(written[aggregator])
    assert written[aggregator].name == f"answers_{aggregator}.csv"
    assert list(ours[0]) == list(expected[0])  # same columns in the same order
    assert len(ours) == len(expected)
    for number, (mine, theirs) in enumerate(zip(ours, expected, strict=True), start=2):
        for column, value in theirs.items():
            if column in METRIC_COLUMNS:
                assert math.isclose(float(mine[column]), float(value), abs_tol=1e-9), (number, column)
            else:
                assert mine[column] == value, (number, column)


def test_files_have_a_bom_and_semicolons(written: dict[str, Path]) -> None:
    raw = written["general"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0] == "wer_error;cer_error;bleu_score"


def test_the_known_quirks_hold() -> None:
    by_id = {
        row["id"]: row
        for row in score_upstream(GOLDEN / "annotation.csv", GOLDEN / "answers.csv").tables["by_id"]
    }
    assert by_id[0]["bleu_score"] == pytest.approx(100.0)  # 13a splits "353-721-310 54" into 6 tokens
    assert by_id[12]["cer_error"] == 0.0 and by_id[12]["bleu_score"] == 0.0  # exact short answer: BLEU 0
    assert by_id[14]["cer_error"] == 1.0  # "89" vs "№ 89": no normalisation of №
    assert by_id[7]["model_answer"] == "nan"  # "N/A" read as missing
    assert by_id[26]["answer"] == by_id[26]["model_answer"] == "nan"  # empty reference vs "None"


def test_metric_names_are_case_insensitive() -> None:
    tables = score_upstream(GOLDEN / "annotation.csv", GOLDEN / "answers.csv", ["cer"]).tables
    assert list(tables["general"][0]) == ["cer_error"]
    with pytest.raises(UpstreamFormatError, match="ANLS"):
        score_upstream(GOLDEN / "annotation.csv", GOLDEN / "answers.csv", ["anls"])


def test_pandas_text_renders_columns_as_pandas_would() -> None:
    assert pandas_text(["007", "12"]) == ["7", "12"]
    assert pandas_text(["12", ""]) == ["12.0", "nan"]
    assert pandas_text(["1.5", "null"]) == ["1.5", "nan"]
    assert pandas_text(["881 471,00", "N/A", "None"]) == ["881 471,00", "nan", "nan"]


def test_string_ids_are_refused_with_the_row(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_text("id;model_answer\npassport_0000_number;x\n", encoding="utf-8")
    with pytest.raises(UpstreamFormatError, match=r"row 2, column 'id'"):
        score_upstream(GOLDEN / "annotation.csv", answers)
