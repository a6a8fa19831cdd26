"""The `upstream` scoring profile: the numbers, columns and files of VLMHyperBench's metric_evaluator 0.1.1.

A team that has years of reports from the original project can continue its time series with this profile.
It reads `annotation.csv` and an `id;model_answer` answers file as they are, and reproduces metric_evaluator
0.1.1 (tag `0.1.1` of github.com/VLMHyperBenchTeam/metric_evaluator, with its pinned pandas 2.2.3,
jiwer 3.0.5 and sacrebleu 2.5.1) **quirks included**, because changing any of them changes the numbers:

1. A question's id is its 0-based row position in annotation.csv (blank lines are skipped, as pandas does).
2. Cells are read as pandas reads them and then turned into text: an empty cell and the words pandas takes
   for "missing" (`N/A`, `NA`, `None`, `null`, `nan`, ...) become the string "nan"; a column whose every
   value is a number becomes numbers (`007` -> "7", and "12.0" when the column also has a missing cell).
3. No normalisation: case, `№`, non-breaking and repeated spaces all count (jiwer's own defaults strip the
   ends, and collapse repeated whitespace for WER only).
4. BLEU is sacrebleu's corpus BLEU on 0..100 with its arguments swapped (the reference is passed as the
   hypothesis), so a short exact answer of fewer than four words scores 0, not 100.
5. Grouped tables (`by_doc_question`, `by_doc_type`, `general`) are corpus-level: total edits over total
   reference length, one corpus BLEU per group, not the mean of the rows.
6. `general` pairs the dataset's answered questions (in annotation order) with the answers (in file order)
   by position, not by id: an answers file out of order scores the wrong pairs.
7. Answers whose id the dataset does not have are dropped silently; ids are compared as integers.
8. Column names `wer_error;cer_error;bleu_score` (`bleu_error` in the grouped tables), by_id carries every
   answers and annotation column, files `{answers_stem}_{aggregator}.csv` with `;` and a UTF-8 BOM.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.errors import DataError

SCORING_PROFILES = ("default", "upstream")  # ours, and metric_evaluator 0.1.1's numbers and files

UPSTREAM_METRICS = ("WER", "CER", "BLEU")
UPSTREAM_AGGREGATORS = ("by_id", "by_doc_question", "by_doc_type", "general")

# pandas 2.2's default `na_values` (pandas._libs.parsers.STR_NA_VALUES): read_csv turns these into NaN.
PANDAS_NA = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)
_INT = re.compile(r"\s*[+-]?\d+\s*")
_FLOAT = re.compile(r"\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity)\s*", re.IGNORECASE)

Table = list[dict[str, object]]


class UpstreamFormatError(DataError):
    """An annotation or answers file that metric_evaluator 0.1.1 could not read either."""


def _read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a `;` file, BOM removed, blank lines skipped (pandas' `skip_blank_lines`)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UpstreamFormatError(f"{path}: cannot read: {exc}") from None
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") if row]
    if not rows:
        raise UpstreamFormatError(f"{path}: empty file, expected a header row")
    header, body = rows[0], rows[1:]
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UpstreamFormatError(
                f"{path}: row {number}: {len(row)} fields, the header has {len(header)}"
            )
    return header, body


def pandas_text(values: Sequence[str]) -> list[str]:
    """A column as `pd.read_csv(...)[col].astype(str)` renders it (quirk 2 above)."""
    present = [v for v in values if v not in PANDAS_NA]
    if present and all(_INT.fullmatch(v) for v in present):
        if len(present) == len(values):
            return [str(int(v)) for v in values]
        return ["nan" if v in PANDAS_NA else repr(float(int(v))) for v in values]
    if present and all(_FLOAT.fullmatch(v) for v in present):
        return ["nan" if v in PANDAS_NA else repr(float(v)) for v in values]
    return ["nan" if v in PANDAS_NA else v for v in values]


def _column(header: list[str], rows: list[list[str]], name: str, path: Path) -> list[str]:
    if name not in header:
        raise UpstreamFormatError(f"{path}: no column {name!r} (columns: {', '.join(header)})")
    index = header.index(name)
    return [row[index] for row in rows]


@dataclass
class UpstreamScore:
    """The four tables metric_evaluator writes, each a list of rows (column -> value)."""

    tables: dict[str, Table]
    questions: int  # rows of annotation.csv
    answered: int
    unknown_ids: list[int]


def _metrics(names: Sequence[str] | None) -> list[str]:
    wanted = [n.upper() for n in names] if names else list(UPSTREAM_METRICS)
    unknown = [n for n in wanted if n not in UPSTREAM_METRICS]
    if unknown:
        raise UpstreamFormatError(
            f"metric {unknown[0]!r} is not in metric_evaluator 0.1.1. "
            f"Available: {', '.join(UPSTREAM_METRICS)}"
        )
    return wanted


def _rates(
    references: list[str], predictions: list[str], metrics: list[str], bleu_name: str
) -> dict[str, object]:
    """WER, CER and BLEU over lists (corpus level), named and ordered as upstream (WER, CER, BLEU)."""
    import jiwer
    import sacrebleu

    out: dict[str, object] = {}
    if "WER" in metrics:
        out["wer_error"] = float(jiwer.wer(references, predictions))
    if "CER" in metrics:
        out["cer_error"] = float(jiwer.cer(references, predictions))
    if "BLEU" in metrics:  # quirk 4: references passed as hypotheses, as upstream does
        out[bleu_name] = float(sacrebleu.corpus_bleu(references, [predictions]).score)
    return out


def _group(rows: Table, keys: tuple[str, ...], metrics: list[str]) -> Table:
    groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for row in rows:
        key = tuple(str(row[k]) for k in keys)
        if any(row[k] == "" for k in keys):  # pandas groupby drops missing keys
            continue
        groups.setdefault(key, []).append(row)
    out: Table = []
    for key in sorted(groups):
        members = groups[key]
        refs = [str(m["answer"]) for m in members]
        preds = [str(m["model_answer"]) for m in members]
        out.append({**dict(zip(keys, key, strict=True)), **_rates(refs, preds, metrics, "bleu_error")})
    return out


def _annotation_cell(value: str) -> str:
    return "" if value in PANDAS_NA else value  # pandas writes NaN back as an empty cell


def score_upstream(
    annotation_file: str | Path, answers_file: str | Path, metrics: Sequence[str] | None = None
) -> UpstreamScore:
    """metric_evaluator 0.1.1's four tables for one answers file against one annotation.csv."""
    annotation_file, answers_file = Path(annotation_file), Path(answers_file)
    names = _metrics(metrics)
    a_header, a_rows = _read_table(annotation_file)
    answers = pandas_text(_column(a_header, a_rows, "answer", annotation_file))
    p_header, p_rows = _read_table(answers_file)
    raw_ids = _column(p_header, p_rows, "id", answers_file)
    predictions = pandas_text(_column(p_header, p_rows, "model_answer", answers_file))
    ids: list[int] = []
    for number, raw in enumerate(raw_ids, start=2):
        if not _INT.fullmatch(raw):
            raise UpstreamFormatError(
                f"{answers_file}: row {number}, column 'id': {raw!r} is not a row number of annotation.csv "
                "(the upstream profile reads ids as 0-based row positions)"
            )
        ids.append(int(raw))
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise UpstreamFormatError(
            f"{answers_file}: duplicate id {duplicate} (metric_evaluator refuses it too)"
        )
    known = [i for i in ids if 0 <= i < len(a_rows)]
    unknown = [i for i in ids if not 0 <= i < len(a_rows)]
    by_row = dict(zip(ids, predictions, strict=True))

    by_id: Table = []
    for i in known:  # quirk: by_id follows the answers file's order
        row: dict[str, object] = {"id": i}
        row.update({c: v for c, v in zip(p_header, p_rows[ids.index(i)], strict=True) if c != "id"})
        row["model_answer"] = by_row[i]
        row.update({c: _annotation_cell(v) for c, v in zip(a_header, a_rows[i], strict=True) if c != "id"})
        row["answer"] = answers[i]
        row.update(_rates([answers[i]], [by_row[i]], names, "bleu_score"))
        by_id.append(row)

    # quirk 6: annotation order zipped with answers-file order
    wanted = set(known)
    references = [answers[i] for i in range(len(a_rows)) if i in wanted]
    in_file_order = [by_row[i] for i in ids if i in wanted]
    general: Table = [_rates(references, in_file_order, names, "bleu_score")] if references else []
    tables: dict[str, Table] = {
        "by_id": by_id,
        "by_doc_question": _group(by_id, ("doc_class", "question_type"), names),
        "by_doc_type": _group(by_id, ("doc_class",), names),
        "general": general,
    }
    return UpstreamScore(tables=tables, questions=len(a_rows), answered=len(known), unknown_ids=unknown)


def _cell(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def write_upstream_tables(
    answers_file: str | Path, tables: dict[str, Table], out_dir: str | Path
) -> dict[str, Path]:
    """`{answers_stem}_{aggregator}.csv` in `out_dir`, `;`-separated, UTF-8 with a BOM, as upstream writes."""
    stem = Path(answers_file).stem
    written: dict[str, Path] = {}
    for name, rows in tables.items():
        buffer = io.StringIO()
        fieldnames = list(dict.fromkeys(k for row in rows for k in row))
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow(fieldnames)
        writer.writerows([_cell(row.get(k, "")) for k in fieldnames] for row in rows)
        written[name] = write_text_atomic(
            Path(out_dir) / f"{stem}_{name}.csv", buffer.getvalue(), encoding="utf-8-sig"
        )
    return written
