"""What a serving case sends: (page image, prompt, id) items, from the user's dataset or built-in pages.

A source is any iterable of `(image, prompt, id)`: the image a PIL image, the path of an image file or a
function returning the image (either read only when that item is first sent), the prompt the whole text of
the user turn, the id what the stored result names the request by. `folder_items` reads an
`annotation.csv` folder through `vlmhyperbench.data` (validated, prompts rendered as `run` renders them);
`table_items` a table source as `run` reads it (parquet, `save_to_disk`, `hf:`; `data.sources`), each
row's question sent as its prompt with the row's image decoded from the table when it is sent;
`builtin_items` is the synthetic pages `bench` has always sent. `dataset_items` dispatches `--dataset`.

`request_cycle(items, n, seed)` picks the n requests of a case: the items in an order shuffled by
`random.Random(seed)`, cycled when n exceeds them, so the same seed sends the same questions in the same
order on every machine, and each image is encoded (PNG data URL) once however often it is sent.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from vlmhyperbench.errors import DataError, UsageError
from vlmhyperbench.serve.client import image_data_url

Item = tuple[Any, str, str]  # (PIL image, image file path or a function returning the image, prompt, id)

# the id column of a table source, in the names the public benchmarks use (else the row number)
TABLE_ID_COLUMNS = ("questionId", "question_id", "id")


@dataclass(frozen=True)
class ServedRequest:
    """One request of a case: what it asks and about which page."""

    id: str
    image_url: str
    prompt: str


def folder_items(root: str | Path, prompts: str | Path | None = None) -> list[Item]:
    """Every question of an `annotation.csv` dataset folder with its own page and rendered prompt; the
    folder is validated here (a DatasetError lists every problem), before any server is asked."""
    from vlmhyperbench.data import load_dataset, load_prompts

    dataset = load_dataset(root)
    collection = load_prompts(prompts)
    return [(dataset.image_file(s), collection.user_text(s), s.id) for s in dataset.samples]


def table_items(spec: str) -> list[Item]:
    """Every row of a table source: its `question` column as the prompt, its `image` column decoded when
    the row is first sent (the table stays memory-mapped), its id column (TABLE_ID_COLUMNS) or row number."""
    from vlmhyperbench.data.sources import open_table

    table = open_table(spec)
    missing = [c for c in ("image", "question") if c not in table.columns]
    if missing:
        raise DataError(
            f"{spec}: no column {' or '.join(missing)} (the table has {', '.join(table.columns)}); "
            "a served benchmark sends each row's image and question"
        )
    id_column = next((c for c in TABLE_ID_COLUMNS if c in table.columns), None)
    ids = table.values(id_column) if id_column else list(range(len(table)))
    items: list[Item] = []
    for row, question in enumerate(table.values("question")):
        if not isinstance(question, str) or not question.strip():
            file, at = table.where(row)
            raise DataError(f"{file}: row {at}, column question: empty question")
        items.append((partial(table.image, row, "image"), question, str(ids[row])))
    return items


def dataset_items(spec: str, prompts: str | Path | None = None) -> list[Item]:
    """The items of `--dataset SPEC`: a dataset folder (with annotation.csv) or a table source."""
    from vlmhyperbench.data.sources import is_table_source

    if is_table_source(spec):
        return table_items(spec)
    path = Path(spec)
    if path.is_dir():
        return folder_items(path, prompts)
    raise UsageError(
        f"--dataset {spec!r}: not a dataset folder (with annotation.csv), a parquet file or folder, "
        "a datasets.save_to_disk folder, or hf:NAME"
    )


def builtin_items(pages: Sequence[Any], prompt: str) -> list[Item]:
    """The synthetic pages `bench` sends without --dataset, all with the same prompt."""
    return [(page, prompt, f"page-{i}") for i, page in enumerate(pages)]


def _url(image: Any, item_id: str) -> str:
    if callable(image):  # a table row's image, decoded now that it is sent
        image = image()
    if not isinstance(image, (str, Path)):
        return image_data_url(image)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(image) as opened:
            return image_data_url(opened.convert("RGB"))
    except (OSError, UnidentifiedImageError) as exc:
        raise DataError(f"request {item_id}: cannot read image {image}: {exc}") from None


def request_cycle(items: Iterable[Item], n: int, seed: int = 0) -> list[ServedRequest]:
    """n requests over `items` in a seeded order, cycled; each distinct image is encoded once."""
    pool = list(items)
    if not pool:
        raise DataError("the dataset has no questions to send")
    if n < 1:
        raise UsageError(f"need at least one request, got {n}")
    order = list(range(len(pool)))
    random.Random(seed).shuffle(order)
    urls: dict[int, str] = {}
    chosen = []
    for i in range(n):
        index = order[i % len(order)]
        image, prompt, item_id = pool[index]
        if index not in urls:
            urls[index] = _url(image, str(item_id))
        chosen.append(ServedRequest(str(item_id), urls[index], prompt))
    return chosen
