"""Small tables in the public benchmarks' real layouts, built with `datasets` for the tests, and a local
Hugging Face datasets cache that `hf:NAME` loads offline (no hub is ever reached)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import datasets
from PIL import Image

# lmms-lab/DocVQA, config DocVQA: the columns its validation split has
DOCVQA_FEATURES = datasets.Features(
    {
        "questionId": datasets.Value("string"),
        "question": datasets.Value("string"),
        "question_types": datasets.Sequence(datasets.Value("string")),
        "image": datasets.Image(),
        "docId": datasets.Value("int64"),
        "ucsf_document_id": datasets.Value("string"),
        "ucsf_document_page_no": datasets.Value("string"),
        "answers": datasets.Sequence(datasets.Value("string")),
        "data_split": datasets.Value("string"),
    }
)


def png(color: str = "white", size: tuple[int, int] = (48, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def docvqa(questions: list[tuple[str, str, list[str]]]) -> datasets.Dataset:
    """A DocVQA-layout table: (questionId, question, answers) per row, each on its own small page."""
    colors = ["white", "gray", "yellow", "blue", "green", "red"]
    return datasets.Dataset.from_dict(
        {
            "questionId": [q[0] for q in questions],
            "question": [q[1] for q in questions],
            "question_types": [["form"] for _ in questions],
            "image": [{"bytes": png(colors[i % len(colors)]), "path": None} for i in range(len(questions))],
            "docId": [100 + i for i in range(len(questions))],
            "ucsf_document_id": [f"doc{i}" for i in range(len(questions))],
            "ucsf_document_page_no": ["1" for _ in questions],
            "answers": [q[2] for q in questions],
            "data_split": ["val" for _ in questions],
        },
        features=DOCVQA_FEATURES,
    )


def table(columns: dict[str, list[Any]], features: dict[str, Any]) -> datasets.Dataset:
    return datasets.Dataset.from_dict(columns, features=datasets.Features(features))


def write_hub_cache(cache: Path, name: str, config: str, splits: dict[str, datasets.Dataset]) -> None:
    """Put `splits` in the datasets cache at `cache` as a download of `name` (config `config`) would leave
    them, so that `datasets.load_dataset(name, config)` finds them offline.

    The parquet builder prepares the cache entry; it is then moved to where the cache looks for a hub
    dataset (`<namespace>___<name>/<config>/<version>/<hash>/`).
    """
    from datasets.data_files import DataFilesDict
    from datasets.naming import camelcase_to_snakecase
    from datasets.packaged_modules.parquet.parquet import Parquet

    sources = cache.parent / f"{cache.name}-sources"
    sources.mkdir(parents=True, exist_ok=True)
    files = {}
    for split, ds in splits.items():
        ds.to_parquet(str(sources / f"{split}.parquet"))
        files[split] = [str(sources / f"{split}.parquet")]
    namespace, _, short = name.rpartition("/")
    snake = camelcase_to_snakecase(short)
    builder = Parquet(
        cache_dir=str(cache),
        dataset_name=snake,
        config_name=config,
        data_files=DataFilesDict.from_local_or_remote(files),
        hash="local",
    )
    builder.download_and_prepare()
    built = Path(builder.cache_dir).parents[1]  # <cache>/<snake>/<config id>/
    target = cache / (f"{namespace}___{snake}" if namespace else snake) / config
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(built), str(target))
    shutil.rmtree(sources)


def anls_by_hand(prediction: str, references: list[str]) -> float:
    """The RRC formula written out again, with its own edit distance, to check the pipeline's figure."""

    def edits(a: str, b: str) -> int:
        row = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            prev, row[0] = row[0], i
            for j, cb in enumerate(b, 1):
                prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        return row[-1]

    def squash(t: str) -> str:
        return " ".join(t.strip().lower().split())

    best = 1 - min(
        edits(squash(r), squash(prediction)) / max(len(r), len(prediction))
        if max(len(r), len(prediction))
        else 0.0
        for r in references
    )
    return best if best >= 0.5 else 0.0
