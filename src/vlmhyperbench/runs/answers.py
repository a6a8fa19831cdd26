"""The answers file `id;model_answer`: appended and flushed batch by batch, so an interrupted run can resume.

Each batch is written with one `write`, then flushed and fsync'ed. A run killed in the middle of a write can
leave a partial last record; `read_answers(..., repair=True)` cuts it off, so resuming answers that question
again: no answer is lost or duplicated.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.errors import DataError

HEADER = ("id", "model_answer")


class AnswersError(DataError):
    """An answers file that cannot be resumed."""


def _reader(text: str) -> Any:
    return csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)


def _parse(text: str, path: Path) -> dict[str, str]:
    try:
        rows = list(_reader(text))
    except csv.Error as exc:
        raise AnswersError(f"{path}: cannot parse: {exc}") from None
    if not rows:
        return {}
    if tuple(rows[0]) != HEADER:
        raise AnswersError(
            f"{path}: row 1: expected the header 'id;model_answer', found {';'.join(rows[0])!r}"
        )
    answers: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise AnswersError(f"{path}: row {number}: expected 2 fields (id;model_answer), found {len(row)}")
        if row[0] in answers:
            raise AnswersError(f"{path}: row {number}: duplicate id {row[0]!r}")
        answers[row[0]] = row[1]
    return answers


def complete_prefix(text: str) -> str:
    """The text up to the end of the last complete record (one that ends with its line break)."""
    lines = io.StringIO(text, newline="").readlines()  # split exactly as the csv reader sees them
    reader = _reader(text)
    kept = 0
    try:
        for _ in reader:
            if lines[reader.line_num - 1].endswith(("\n", "\r")):
                kept = reader.line_num
    except csv.Error:  # a quoted field cut short
        pass
    return "".join(lines[:kept])


def complete_lines(text: str) -> str:
    """The text up to its last line break: a line-framed file (JSON lines) without a line cut short."""
    end = text.rfind("\n")
    return text[: end + 1]


def read_answers(path: str | Path, repair: bool = False) -> dict[str, str]:
    """id -> model answer, in file order ({} when the file does not exist).

    With `repair`, a partial last record (a write cut short) is removed from the file first.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnswersError(f"{path}: not UTF-8 (byte offset {exc.start}): cannot parse") from None
    if repair:
        complete = complete_prefix(text)
        if complete != text:
            write_text_atomic(path, complete)
            text = complete
    return _parse(text, path)


class AnswersWriter:
    """Appends batches of answers to `path` (writing the header into a new file)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._handle = self.path.open("a", encoding="utf-8", newline="")
        if new:
            self._write([HEADER])

    def _write(self, rows: Iterable[tuple[str, str]]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
        self._handle.write(buffer.getvalue())
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def write_batch(self, ids: list[str], answers: list[str]) -> None:
        if len(ids) != len(answers):
            raise ValueError(f"{len(ids)} ids for {len(answers)} answers")
        self._write(zip(ids, answers, strict=True))

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> AnswersWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
