"""Datasets that are tables: a parquet file or folder of shards, a `save_to_disk` folder, or `hf:NAME`.

Public benchmarks (DocVQA, InfoVQA, ChartQA, OCRBench, TextVQA) ship as Hugging Face datasets: one row per
question, the page in an `Image` column. `--dataset` names one of

    data/docvqa_val.parquet          a parquet file
    data/docvqa/                     a folder of parquet shards (read in name order)
    data/docvqa_saved/               a folder written by `datasets.Dataset.save_to_disk` (or a DatasetDict's,
                                     with @SPLIT: data/docvqa_saved@validation)
    hf:lmms-lab/DocVQA:DocVQA@validation
                                     `datasets.load_dataset(NAME, CONFIG, split=SPLIT)`: from the local
                                     cache when HF_DATASETS_OFFLINE=1 (our runs never need a hub)

and `Columns` says which column is which (each public task has defaults, a run config's `columns:` key
replaces any of them). Images stay in the Arrow table (memory-mapped, not copied) and are decoded one row
at a time (`Table.image`). Rows are numbered from 0, as `dataset[i]` numbers them; in a folder of shards
a problem names the shard and the row within it. `source_fingerprint` identifies the data for `--resume`
without reading it whole. Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from vlmhyperbench.data.annotation import ANNOTATION_FILE
from vlmhyperbench.data.validate import Problem
from vlmhyperbench.errors import DataError

if TYPE_CHECKING:
    import datasets
    import PIL.Image

HUB_PREFIX = "hf:"
PARQUET_SUFFIX = ".parquet"
SAVED_DATASET_FILES = ("state.json", "dataset_dict.json")  # what `save_to_disk` writes: a Dataset, a Dict


class SourceError(DataError):
    """A table source that cannot be opened; the message names the file (or hub name) and what to do."""


class Columns(BaseModel):
    """Which column of a table holds what a question needs (a run config's `columns:` key).

    `answers` holds one reference (a string) or a list of acceptable answers; `id` None numbers the rows
    (0, 1, ...); `groups` are reported apart (by_doc_type), the first one naming each item's group.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str = Field(default="image", description="an HF Image feature, image bytes, or a path")
    question: str = "question"
    answers: str = Field(default="answers", description="a string or a list of acceptable answers")
    id: str | None = Field(default=None, description="None: the row number")
    groups: tuple[str, ...] = Field(default=(), description="columns to report apart")

    def merged(self, given: Columns | None) -> Columns:
        """These defaults with every key `given` sets explicitly in their place."""
        if given is None:
            return self
        return self.model_copy(update={k: getattr(given, k) for k in given.model_fields_set})

    def needed(self) -> list[str]:
        return [self.image, self.question, self.answers, *([self.id] if self.id else []), *self.groups]


@dataclass(frozen=True)
class SourceSpec:
    """What `--dataset` names: `kind` is parquet, disk or hub; `path` for the first two, `name` for hub."""

    text: str
    kind: str
    path: Path | None = None
    name: str | None = None
    config: str | None = None
    split: str | None = None


def _split_suffix(text: str) -> tuple[str, str | None]:
    head, sep, split = text.rpartition("@")
    return (head, split or None) if sep and head else (text, None)


def is_table_source(spec: str | Path) -> bool:
    """Whether `--dataset` names a table (parquet, save_to_disk, hf:) rather than an annotation.csv folder."""
    text = str(spec)
    if text.startswith(HUB_PREFIX):
        return True
    path = Path(_split_suffix(text)[0]) if not Path(text).exists() else Path(text)
    if path.is_file():
        return path.suffix == PARQUET_SUFFIX
    if path.is_dir() and not (path / ANNOTATION_FILE).exists():
        return any((path / f).exists() for f in SAVED_DATASET_FILES) or any(path.rglob(f"*{PARQUET_SUFFIX}"))
    return False


def parse_source(spec: str | Path) -> SourceSpec:
    """`hf:NAME[:CONFIG][@SPLIT]`, a parquet file or folder, or a `save_to_disk` folder[@SPLIT]."""
    text = str(spec)
    if text.startswith(HUB_PREFIX):
        rest, split = _split_suffix(text[len(HUB_PREFIX) :])
        name, _, config = rest.partition(":")
        if not name:
            raise SourceError(
                f"{text}: expected hf:NAME[:CONFIG][@SPLIT], e.g. hf:lmms-lab/DocVQA:DocVQA@test"
            )
        return SourceSpec(text, "hub", name=name, config=config or None, split=split)
    path, split = (Path(text), None) if Path(text).exists() else _split_suffix(text)
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_file():
        if path.suffix != PARQUET_SUFFIX:
            raise SourceError(f"{path}: not a parquet file (expected {PARQUET_SUFFIX}) or a dataset folder")
        if split is not None:
            raise SourceError(f"{path}: a parquet file has no splits; drop @{split}")
        return SourceSpec(text, "parquet", path=path)
    if any((path / f).exists() for f in SAVED_DATASET_FILES):
        return SourceSpec(text, "disk", path=path, split=split)
    if _shards(path):
        if split is not None:
            raise SourceError(f"{path}: a folder of parquet shards has no splits; drop @{split}")
        return SourceSpec(text, "parquet", path=path)
    raise SourceError(
        f"{path}: neither {ANNOTATION_FILE}, parquet files, nor a datasets.save_to_disk folder "
        f"({' or '.join(SAVED_DATASET_FILES)})"
    )


def _shards(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.rglob(f"*{PARQUET_SUFFIX}"))


@dataclass
class Table:
    """One split of a table source, opened: its rows, where each row comes from, and its images."""

    spec: SourceSpec
    dataset: datasets.Dataset
    base: Path | None  # the folder relative image paths are read from (None: a hub dataset)
    shards: list[tuple[str, int]] = field(default_factory=list)  # (file, rows) in order

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def columns(self) -> list[str]:
        return list(self.dataset.column_names)

    def where(self, row: int) -> tuple[str, int]:
        """The file (shard, folder or hub name) a row comes from and its row number there."""
        for file, rows in self.shards:
            if row < rows:
                return file, row
            row -= rows
        return self.spec.text, row

    def values(self, column: str) -> list[Any]:
        """A column's values, without decoding any image."""
        return list(self.dataset.data.column(column).to_pylist())

    def image(self, row: int, column: str) -> PIL.Image.Image:
        """The row's image as RGB, decoded from the table (a path is read relative to the source)."""
        # the stored cell, not `datasets`' decoding: that reads a relative path from the working directory
        value = self.dataset.data.column(column)[row].as_py()
        return decode_image(value, self.base)

    def image_digests(self, column: str) -> Iterator[str]:
        """A short sha256 of each row's stored image (its bytes, or its path's file), in row order, read one
        Arrow chunk at a time so that the set is never in memory as Python objects."""
        for chunk in self.dataset.data.column(column).chunks:
            for i in range(len(chunk)):
                yield _digest(chunk[i].as_py(), self.base)


def _image_bytes(value: Any, base: Path | None) -> bytes | None:
    """The encoded image a cell holds: bytes, {bytes, path} (an HF Image), or a path; None if empty."""
    if isinstance(value, dict):
        data = value.get("bytes")
        return data if data else _image_bytes(value.get("path"), base)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value) or None
    if isinstance(value, str) and value:
        path = Path(value) if Path(value).is_absolute() or base is None else base / value
        return path.read_bytes()
    return None


def _digest(value: Any, base: Path | None) -> str:
    try:
        data = _image_bytes(value, base) or b""
    except OSError:
        data = b""
    return hashlib.sha256(data).hexdigest()[:16]


def decode_image(value: Any, base: Path | None) -> PIL.Image.Image:
    """An image cell (a PIL image when the column is an HF Image feature) as an RGB PIL image."""
    from PIL import Image

    if isinstance(value, Image.Image):
        return value.convert("RGB")
    data = _image_bytes(value, base)
    if data is None:
        raise SourceError("empty image cell")
    with Image.open(io.BytesIO(data)) as image:
        rgb: PIL.Image.Image = image.convert("RGB")
    return rgb


def check_image_cell(value: Any, base: Path | None) -> str | None:
    """None if the cell holds an image that decodes; else what is wrong with it."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(value, Image.Image):
        return None
    try:
        data = _image_bytes(value, base)
    except OSError as exc:
        return f"image file cannot be read: {exc.strerror or exc}"
    if data is None:
        return "no image in this row"
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"image cannot be decoded: {exc}"
    return None


def _pick_split(found: Any, spec: SourceSpec) -> datasets.Dataset:
    """The named split of a DatasetDict (or the only one); a Dataset as it is."""
    import datasets

    if isinstance(found, datasets.Dataset):
        if spec.split is not None and spec.kind == "disk":
            raise SourceError(f"{spec.text}: a single saved Dataset has no splits; drop @{spec.split}")
        return found
    names = list(found)
    if spec.split is None and len(names) == 1:
        return found[names[0]]
    if spec.split is None or spec.split not in found:
        what = f"no split {spec.split!r}" if spec.split else "several splits"
        raise SourceError(f"{spec.text}: {what}; name one with @SPLIT (splits: {', '.join(names)})")
    return found[spec.split]


def _open_parquet(spec: SourceSpec) -> Table:
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    assert spec.path is not None
    files = _shards(spec.path)
    tables: list[pa.Table] = []
    shards: list[tuple[str, int]] = []
    for file in files:
        try:
            table = pq.read_table(file, memory_map=True)
        except (OSError, pa.ArrowException) as exc:
            raise SourceError(f"{file}: cannot read as parquet: {exc}") from None
        if tables and table.schema.remove_metadata() != tables[0].schema.remove_metadata():
            raise SourceError(
                f"{file}: its columns differ from {files[0].name}'s "
                f"({', '.join(table.column_names)} vs {', '.join(tables[0].column_names)})"
            )
        tables.append(table)
        shards.append((str(file), table.num_rows))
    combined = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    base = spec.path.parent if spec.path.is_file() else spec.path
    return Table(spec, datasets.Dataset(combined), base, shards)


def open_table(spec: SourceSpec | str | Path) -> Table:
    """The source's rows, memory-mapped: nothing is copied into a cache, no image decoded."""
    import datasets

    spec = spec if isinstance(spec, SourceSpec) else parse_source(spec)
    if spec.kind == "parquet":
        return _open_parquet(spec)
    if spec.kind == "disk":
        assert spec.path is not None
        try:
            found = datasets.load_from_disk(str(spec.path))
        except (OSError, ValueError, FileNotFoundError) as exc:
            raise SourceError(f"{spec.path}: cannot load the saved dataset: {exc}") from None
        return Table(spec, _pick_split(found, spec), spec.path)
    try:
        found = datasets.load_dataset(spec.name, spec.config, split=spec.split)
    except (OSError, ValueError, FileNotFoundError, ConnectionError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(
            f"{spec.text}: cannot load {spec.name!r} with datasets ({first}); offline it must be in the "
            "local cache (HF_HOME / HF_DATASETS_CACHE)"
        ) from None
    return Table(spec, _pick_split(found, spec), None)


def _parquet_footer_sha256(path: Path) -> str:
    """sha256 of the parquet footer (schema, row groups, their sizes and statistics): it changes with the
    data, and reading it costs a few kilobytes whatever the file's size."""
    with path.open("rb") as handle:
        handle.seek(-8, 2)
        tail = handle.read(8)
        length = int.from_bytes(tail[:4], "little")
        handle.seek(-(8 + length), 2)
        return hashlib.sha256(handle.read(length + 8)).hexdigest()


def source_fingerprint(spec: SourceSpec | str | Path, table: Table | None = None) -> dict[str, Any]:
    """What identifies a table source's data, for a `--resume` to refuse data that changed.

    parquet: each shard's name, size and footer hash; disk and hub: the dataset's fingerprint as `datasets`
    computes it (recorded by save_to_disk and by the cache), with the split.
    """
    spec = spec if isinstance(spec, SourceSpec) else parse_source(spec)
    found: dict[str, Any] = {"kind": spec.kind, "source": spec.text, "split": spec.split}
    if spec.kind == "parquet":
        assert spec.path is not None
        found["files"] = {
            str(f.relative_to(spec.path) if spec.path.is_dir() else f.name): {
                "bytes": f.stat().st_size,
                "footer_sha256": _parquet_footer_sha256(f),
            }
            for f in _shards(spec.path)
        }
        return found
    table = table or open_table(spec)
    found["fingerprint"] = table.dataset._fingerprint
    found["rows"] = len(table)
    return found


def references(value: Any) -> tuple[str, ...] | str:
    """A cell of the answers column as a tuple of answers, or what is wrong with it (a string)."""
    if isinstance(value, str):
        return (value,) if value.strip() else "empty reference answer"
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        if not value:
            return "empty list of reference answers"
        if not all(isinstance(v, str) for v in value):
            return "reference answers must be strings"
        if not any(v.strip() for v in value):
            return "every reference answer is empty"
        return tuple(value)
    if value is None:
        return "no reference answer (null)"
    return f"expected a string or a list of strings, got {type(value).__name__}"


@dataclass(frozen=True)
class SourceRow:
    """One question of a table source, images left in the table: `row` is its position there."""

    row: int
    id: str
    question: str
    references: tuple[str, ...]
    groups: tuple[tuple[str, str], ...]


def _missing_columns(table: Table, columns: Columns) -> list[Problem]:
    missing = [c for c in dict.fromkeys(columns.needed()) if c not in table.columns]
    if not missing:
        return []
    return [
        Problem(
            table.spec.text,
            f"missing column(s) {', '.join(missing)} (the table has {', '.join(table.columns)}; "
            "map yours with the run config's columns: {image, question, answers, id, groups})",
        )
    ]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def read_rows(
    table: Table, columns: Columns, *, check_images: bool = True
) -> tuple[list[SourceRow], list[Problem]]:
    """Every question of the table and every problem found, each naming its file, row and column."""
    problems = _missing_columns(table, columns)
    if problems:
        return [], problems
    questions = table.values(columns.question)
    answers = table.values(columns.answers)
    ids = table.values(columns.id) if columns.id else list(range(len(table)))
    groups = {g: table.values(g) for g in columns.groups}
    images = table.dataset.data.column(columns.image) if check_images else None
    found: list[SourceRow] = []
    seen: dict[str, int] = {}
    for row in range(len(table)):
        file, at = table.where(row)
        bad: list[Problem] = []
        key = _text(ids[row]).strip()
        if not key:
            bad.append(Problem(file, "empty id", at, columns.id))
        elif key in seen:
            bad.append(
                Problem(file, f"duplicate id {key!r} (also row {table.where(seen[key])[1]})", at, columns.id)
            )
        seen.setdefault(key, row)
        question = questions[row]
        if not isinstance(question, str) or not question.strip():
            bad.append(Problem(file, "empty question", at, columns.question))
        refs = references(answers[row])
        if isinstance(refs, str):
            bad.append(Problem(file, refs, at, columns.answers))
        if images is not None:
            error = check_image_cell(images[row].as_py(), table.base)
            if error:
                bad.append(Problem(file, error, at, columns.image))
        problems += bad
        if not bad and isinstance(refs, tuple):
            found.append(
                SourceRow(
                    row, key, str(question), refs, tuple((g, _text(groups[g][row])) for g in columns.groups)
                )
            )
    if not len(table):
        problems.append(Problem(table.spec.text, "no rows"))
    return found, problems
