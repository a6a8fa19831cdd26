"""Read and check a dataset folder; every problem names its file, row and column.

`check_dataset(dir)` returns all problems (what `vlmhyperbench data check` prints);
`load_dataset(dir)` returns
the `Dataset` or raises `DatasetError` with the same list, so a run refuses a bad dataset before it starts.
Rows are counted as lines of the file: the header is row 1, the first answer row 2.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

from vlmhyperbench.data.annotation import (
    ANNOTATION_FILE,
    COLUMNS,
    OPTIONAL_COLUMNS,
    SEPARATOR,
    Dataset,
    Sample,
)
from vlmhyperbench.errors import DataError

# Columns that must not be empty in any row. question may be empty: upstream's prompt collections supply the
# prompt (checked when prompts are rendered). An empty reference `answer` is accepted, as upstream does: it is
# a field that is not on the document (a passport without a patronymic); `data check` counts them, and the
# metrics score them as eval/metrics.py says (an empty answer is right, any other wrong by its full length).
REQUIRED_VALUES = ("data_index", "image_path")
BBOX_FORMAT = "a JSON list of 4 numbers [x0, y0, x1, y1] (or a list of such lists), or empty"
OTHER_SEPARATORS = {",": "comma", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class DatasetError(DataError):
    """A dataset that failed validation; `.problems` lists everything found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the dataset:\n{lines}")


def _decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        row = raw.count(b"\n", 0, exc.start) + 1
        field = raw[line_start : exc.start].count(SEPARATOR.encode())
        header = raw.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").rstrip("\r").split(SEPARATOR)
        column = header[field] if row > 1 and field < len(header) else None
        message = (
            f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} cannot be decoded "
            "(save the file as UTF-8)"
        )
        return None, [Problem(file, message, row, column)]


def _check_header(header: list[str], first_line: str, file: str) -> list[Problem]:
    if len(header) == 1 and SEPARATOR not in first_line:
        for sep, name in OTHER_SEPARATORS.items():
            if sep in first_line:
                return [
                    Problem(
                        file, f"wrong separator: the header is split by {name} ({sep!r}), expected ';'", 1
                    )
                ]
    problems = []
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    if missing:
        problems.append(
            Problem(file, f"missing column(s): {', '.join(missing)} (expected {SEPARATOR.join(COLUMNS)})", 1)
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, "duplicate column in the header", 1, name))
        seen.add(name)
    return problems


def _resolve_image(root: Path, value: str, allow_absolute: bool) -> Path | str:
    """The image file under root (anywhere, for an absolute path when allowed), or the reason it is not
    acceptable. A relative path that climbs out of root stays refused either way."""
    if "\x00" in value:  # no file system takes it, and `Path.resolve` raises ValueError on it
        return f"image_path {value!r} contains a NUL character"
    if Path(value).is_absolute():
        if allow_absolute:
            return Path(value).resolve()
        return (
            f"image_path {value!r} is absolute; it must be relative to the dataset folder "
            "(--allow-absolute-paths reads it as upstream does)"
        )
    target = (root / value).resolve()
    if not target.is_relative_to(root.resolve()):
        return f"image_path {value!r} escapes the dataset folder"
    return target


def escapes(root: Path, path: Path, value: str) -> str | None:
    """Why `path` (found inside `root` by listing it) is not part of the dataset: a symbolic link, or a
    folder link above it, leading out of `root`; None when it stays inside."""
    if path.resolve().is_relative_to(root.resolve()):
        return None
    return f"{value!r} is a link out of the dataset folder (to {path.resolve()}): copy the file in instead"


def check_image(path: Path, value: str) -> str | None:
    """None if the image decodes; `verify` checks the file's structure, `load` that its pixels decode."""
    if not path.is_file():
        return f"image {value!r} does not exist"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            image.load()
    except Image.DecompressionBombError as exc:
        return f"image {value!r} is too large to decode safely: {exc}"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"image {value!r} cannot be read: {exc}"
    return None


def _is_box(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    )


def _box_problem(box: list[float]) -> str | None:
    x0, y0, x1, y1 = box
    if min(box) < 0:
        return f"box {box} has a negative coordinate: pixels count from 0 at the top left"
    if x1 <= x0 or y1 <= y0:
        return f"box {box} is inverted or empty: needs x0 < x1 and y0 < y1"
    return None


def _check_bbox(value: str) -> str | None:
    """None if `answer_bbox` is empty, one box or a list of boxes, each with x0 < x1, y0 < y1, none < 0."""
    if not value.strip():
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if _is_box(parsed) or (isinstance(parsed, list) and parsed and all(_is_box(b) for b in parsed)):
        boxes = [parsed] if _is_box(parsed) else parsed
        found = next((p for p in map(_box_problem, boxes) if p), None)
        return None if found is None else f"answer_bbox: {found}"
    shown = value if len(value) <= 40 else value[:40] + "..."
    return f"answer_bbox {shown!r} is not {BBOX_FORMAT}"


def _records(text: str, file: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """(file line on which the record starts, fields) for each CSV record; a record the csv module cannot
    read (a field over its size limit) ends the list with a problem naming its row."""
    found: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=SEPARATOR)
    start = 1
    try:
        for row in reader:
            found.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        message = f"cannot parse this row: {exc} (a field over {csv.field_size_limit()} characters?)"
        return found, [Problem(file, message, start)]
    return found, []


# What a folder without annotation.csv is told: the layouts a dataset may have and how to get one.
LAYOUTS = (
    "accepted layouts: question answering is annotation.csv with its images (`vlmhyperbench data synth "
    "--out DIR` writes one), classification <class>/images/<subset>/<page>.jpg, page sorting "
    "images/<subset>/<doc_id>/<n>.jpg with jsons/<doc_id>.json (`--task`); `vlmhyperbench data check DIR` "
    "names a folder's layout and what it lacks"
)


def _read(root: Path, check_images: bool, allow_absolute: bool) -> tuple[list[Sample], list[Problem]]:
    path = root / ANNOTATION_FILE
    file = str(path)
    if not root.is_dir():
        return [], [Problem(str(root), "dataset folder does not exist")]
    if not path.is_file():
        return [], [Problem(file, f"no {ANNOTATION_FILE} in the dataset folder; {LAYOUTS}")]
    text, problems = _decode(path.read_bytes(), file)
    if text is None:
        return [], problems
    if not text.strip():
        return [], [Problem(file, "file is empty")]
    records, unreadable = _records(text, file)
    if not records:
        return [], unreadable
    header = [name.strip() for name in records[0][1]]
    problems = _check_header(header, text.splitlines()[0], file)
    if problems:
        return [], problems
    problems = unreadable  # the rows read before it are still checked

    samples: list[Sample] = []
    position = -1  # upstream's question id: the row's index among non-blank rows
    image_problems: dict[Path, str | None] = {}
    for number, row in records[1:]:
        if not any(cell.strip() for cell in row):
            continue  # blank line
        position += 1
        if len(row) != len(header):
            problems.append(
                Problem(
                    file,
                    f"{len(row)} fields, the header has {len(header)} (check the ';' in this row)",
                    number,
                )
            )
            continue
        record = {c: "" for c in OPTIONAL_COLUMNS} | dict(zip(header, row, strict=True))
        bad = False
        for column in REQUIRED_VALUES:
            if not record[column].strip():
                problems.append(Problem(file, f"empty {column.replace('_', ' ')}", number, column))
                bad = True
        bbox_problem = _check_bbox(record["answer_bbox"])
        if bbox_problem:
            problems.append(Problem(file, bbox_problem, number, "answer_bbox"))
            bad = True
        image_value = record["image_path"].strip()
        if image_value:
            resolved = _resolve_image(root, image_value, allow_absolute)
            if isinstance(resolved, str):
                problems.append(Problem(file, resolved, number, "image_path"))
                bad = True
            elif check_images:
                if resolved not in image_problems:
                    image_problems[resolved] = check_image(resolved, image_value)
                if image_problems[resolved]:
                    problems.append(Problem(file, str(image_problems[resolved]), number, "image_path"))
                    bad = True
        if not bad:
            samples.append(
                Sample(
                    **{c: record[c] if c in ("question", "answer") else record[c].strip() for c in COLUMNS},
                    position=position,
                )
            )
    if not samples and not problems:
        problems.append(Problem(file, "no rows after the header"))
    return samples, problems


def check_dataset(
    root: str | Path, check_images: bool = True, *, allow_absolute_paths: bool = False
) -> list[Problem]:
    """Every problem in the dataset folder (empty list: the dataset is fine).

    `allow_absolute_paths` accepts an absolute `image_path` (upstream's datasets carry them); a relative
    one that escapes the folder is a problem either way.
    """
    return _read(Path(root), check_images, allow_absolute_paths)[1]


def load_dataset(
    root: str | Path, check_images: bool = True, *, allow_absolute_paths: bool = False
) -> Dataset:
    """The validated dataset, or `DatasetError` listing every problem (`allow_absolute_paths`: as above)."""
    root = Path(root)
    samples, problems = _read(root, check_images, allow_absolute_paths)
    if problems:
        raise DatasetError(problems)
    return Dataset(root, samples)
