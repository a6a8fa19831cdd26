"""The original VLMHyperBench dataset format: a folder with `annotation.csv` and the images under it.

`annotation.csv` is `;`-separated UTF-8 (a BOM is accepted), one row per question:

    data_index;split;image_path;question;answer;doc_class;question_type;answer_bbox

As in upstream VLMHyperBench, `data_index` is the *document* number, repeated for every question about one
image, and a question's id is its 0-based position among the rows of annotation.csv (blank lines not
counted): the ids upstream's answers files use, stable as long as rows are not reordered. `split` and
`answer_bbox` may be left out; `image_path` is relative to the dataset folder. Reading goes through
`vlmhyperbench.data.validate.load_dataset`, which checks every row; this module holds the record and
the writer.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # PIL is imported where an image is read, not when annotations are
    import PIL.Image

ANNOTATION_FILE = "annotation.csv"
SEPARATOR = ";"
COLUMNS = (
    "data_index",
    "split",
    "image_path",
    "question",
    "answer",
    "doc_class",
    "question_type",
    "answer_bbox",
)
OPTIONAL_COLUMNS = ("split", "answer_bbox")  # upstream's own samples sometimes lack them


@dataclass(frozen=True)
class Sample:
    """One question about one image, with its reference answer."""

    data_index: str
    split: str
    image_path: str
    question: str
    answer: str
    doc_class: str
    question_type: str
    answer_bbox: str = ""
    position: int | None = None  # 0-based row in annotation.csv; None for a sample built in code

    @property
    def id(self) -> str:
        """The answer id: the row position as upstream numbers it (`data_index` when built in code)."""
        return self.data_index if self.position is None else str(self.position)

    @property
    def bbox(self) -> tuple[int, int, int, int] | None:
        """`answer_bbox` as (x0, y0, x1, y1) pixels, None when the row has none; ValueError if malformed.

        Loading accepts any `answer_bbox` text (only region-reading engines use it), so this is where a
        malformed one is found.
        """
        return parse_bbox(self.answer_bbox)


def parse_bbox(text: str) -> tuple[int, int, int, int] | None:
    """`[x0, y0, x1, y1]` (JSON numbers) -> whole pixels; empty -> None; anything else is a ValueError."""
    if not text.strip():
        return None
    try:
        values = json.loads(text)
        x0, y0, x1, y1 = (round(float(v)) for v in values)
    except (ValueError, TypeError):
        raise ValueError(f"answer_bbox {text!r} is not [x0, y0, x1, y1]") from None
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"answer_bbox {text!r} is empty: needs x0 < x1 and y0 < y1")
    return x0, y0, x1, y1


@dataclass
class Dataset:
    """A validated dataset: its folder and its samples in file order."""

    root: Path
    samples: list[Sample]

    def __len__(self) -> int:
        return len(self.samples)

    def image_file(self, sample: Sample) -> Path:
        return self.root / sample.image_path

    def load_image(self, sample: Sample) -> PIL.Image.Image:
        from PIL import Image

        with Image.open(self.image_file(sample)) as image:
            rgb: PIL.Image.Image = image.convert("RGB")
        return rgb

    def filter(
        self,
        doc_class: Iterable[str] | None = None,
        question_type: Iterable[str] | None = None,
        split: Iterable[str] | None = None,
    ) -> Dataset:
        """Keep the samples whose fields are in the given sets (None keeps everything)."""
        wanted = {
            "doc_class": set(doc_class) if doc_class else None,
            "question_type": set(question_type) if question_type else None,
            "split": set(split) if split else None,
        }
        kept = [s for s in self.samples if all(v is None or getattr(s, k) in v for k, v in wanted.items())]
        return Dataset(self.root, kept)

    def values(self, column: str) -> list[str]:
        """Distinct values of a column, in first-seen order."""
        return list(dict.fromkeys(getattr(s, column) for s in self.samples))


def write_annotation(path: Path, samples: Iterable[Sample]) -> Path:
    """Write samples as `annotation.csv` (`;`, UTF-8 without BOM); `path` is the file or its folder."""
    path = Path(path)
    if path.is_dir():
        path = path / ANNOTATION_FILE
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=SEPARATOR, lineterminator="\n")
        writer.writeheader()
        for sample in samples:
            writer.writerow({c: v for c, v in asdict(sample).items() if c in COLUMNS})
    return path
