"""Table sources: parquet files and shard folders, save_to_disk folders and hf: from a local cache, read
with their column mapping; every problem names file, row and column; the fingerprint follows the data."""

from __future__ import annotations

import shutil
from pathlib import Path

import datasets
import pytest

from tests.data.tables import docvqa, png, table, write_hub_cache
from vlmhyperbench.data.sources import (
    Columns,
    SourceError,
    is_table_source,
    open_table,
    parse_source,
    read_rows,
    source_fingerprint,
)

DOCVQA = Columns(id="questionId")
ROWS = [("q1", "What is the date?", ["1 May", "May 1"]), ("q2", "Total?", ["$12"])]


def test_parse_source_names_each_kind(tmp_path: Path) -> None:
    docvqa(ROWS).to_parquet(str(tmp_path / "a.parquet"))
    docvqa(ROWS).save_to_disk(str(tmp_path / "saved"))
    assert parse_source(tmp_path / "a.parquet").kind == "parquet"
    assert parse_source(tmp_path).kind == "parquet"  # a folder of shards
    assert parse_source(tmp_path / "saved").kind == "disk"
    assert parse_source(f"{tmp_path / 'saved'}@validation").split == "validation"
    hub = parse_source("hf:lmms-lab/DocVQA:DocVQA@validation")
    assert (hub.kind, hub.name, hub.config, hub.split) == ("hub", "lmms-lab/DocVQA", "DocVQA", "validation")
    assert parse_source("hf:org/set").config is None and parse_source("hf:org/set").split is None
    assert is_table_source("hf:org/set") and is_table_source(tmp_path / "a.parquet")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(SourceError, match=r"notes\.txt: not a parquet file"):
        parse_source(tmp_path / "notes.txt")
    with pytest.raises(SourceError, match="a parquet file has no splits; drop @test"):
        parse_source(f"{tmp_path / 'a.parquet'}@test")
    with pytest.raises(SourceError, match="no such file or folder"):
        parse_source(tmp_path / "missing.parquet")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match=r"neither annotation\.csv, parquet files"):
        parse_source(empty)
    assert not is_table_source(empty)


def test_parquet_rows_with_references_ids_and_images(tmp_path: Path) -> None:
    docvqa(ROWS).to_parquet(str(tmp_path / "val.parquet"))
    found = open_table(tmp_path / "val.parquet")
    rows, problems = read_rows(found, DOCVQA)
    assert problems == []
    assert [(r.id, r.question, r.references) for r in rows] == [
        ("q1", "What is the date?", ("1 May", "May 1")),
        ("q2", "Total?", ("$12",)),
    ]
    image = found.image(1, "image")
    assert image.size == (48, 32) and image.mode == "RGB" and image.getpixel((0, 0)) == (128, 128, 128)


def test_shards_are_read_in_order_and_problems_name_the_shard_and_its_row(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    docvqa(ROWS).to_parquet(str(shards / "part-0.parquet"))
    bad = docvqa([("q3", "ok?", ["yes"]), ("q1", " ", []), ("q5", "Empty?", ["", " "])])
    bad.to_parquet(str(shards / "part-1.parquet"))
    found = open_table(shards)
    assert len(found) == 5 and found.where(3) == (str(shards / "part-1.parquet"), 1)
    rows, problems = read_rows(found, DOCVQA)
    assert [r.id for r in rows] == ["q1", "q2", "q3"]
    shown = [str(p) for p in problems]
    part1 = shards / "part-1.parquet"
    assert shown == [
        f"{part1}, row 1, column 'questionId': duplicate id 'q1' (also row 0)",
        f"{part1}, row 1, column 'question': empty question",
        f"{part1}, row 1, column 'answers': empty list of reference answers",
        f"{part1}, row 2, column 'answers': every reference answer is empty",
    ]


def test_missing_columns_and_bad_images_are_named(tmp_path: Path) -> None:
    plain = table(
        {"qid": ["a", "b"], "q": ["x?", "y?"], "answer": ["1", "2"], "img": [png(), b"not an image"]},
        {
            "qid": datasets.Value("string"),
            "q": datasets.Value("string"),
            "answer": datasets.Value("string"),
            "img": datasets.Value("binary"),
        },
    )
    plain.to_parquet(str(tmp_path / "t.parquet"))
    found = open_table(tmp_path / "t.parquet")
    _, problems = read_rows(found, DOCVQA)
    assert len(problems) == 1
    assert "missing column(s) image, question, answers, questionId" in str(problems[0])
    mapped = Columns(image="img", question="q", answers="answer", id="qid")
    rows, problems = read_rows(found, mapped)
    assert [r.references for r in rows] == [("1",)]  # one string is one reference
    assert len(problems) == 1 and str(problems[0]).startswith(
        f"{tmp_path / 't.parquet'}, row 1, column 'img'"
    )
    assert "image cannot be decoded" in str(problems[0])


def test_image_paths_are_read_relative_to_the_parquet_file(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p1.png").write_bytes(png("yellow"))
    paths = table(
        {"question": ["x?", "y?"], "answers": [["1"], ["2"]], "image": ["pages/p1.png", "pages/gone.png"]},
        {
            "question": datasets.Value("string"),
            "answers": datasets.Sequence(datasets.Value("string")),
            "image": datasets.Value("string"),
        },
    )
    paths.to_parquet(str(tmp_path / "t.parquet"))
    found = open_table(tmp_path / "t.parquet")
    rows, problems = read_rows(found, Columns())
    assert [r.id for r in rows] == ["0"]  # no id column: the row number
    assert "row 1, column 'image': image file cannot be read" in str(problems[0])
    assert found.image(0, "image").getpixel((0, 0)) == (255, 255, 0)


def test_save_to_disk_folders_and_their_splits(tmp_path: Path) -> None:
    datasets.DatasetDict({"validation": docvqa(ROWS), "test": docvqa(ROWS[:1])}).save_to_disk(
        str(tmp_path / "dict")
    )
    assert len(open_table(f"{tmp_path / 'dict'}@test")) == 1
    with pytest.raises(
        SourceError, match="several splits; name one with @SPLIT \\(splits: validation, test\\)"
    ):
        open_table(tmp_path / "dict")
    with pytest.raises(SourceError, match="no split 'train'"):
        open_table(f"{tmp_path / 'dict'}@train")
    docvqa(ROWS).save_to_disk(str(tmp_path / "one"))
    found = open_table(tmp_path / "one")
    assert len(found) == 2 and found.image(0, "image").size == (48, 32)


def test_hf_name_loads_from_the_local_cache_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "hf-cache"
    write_hub_cache(cache, "lmms-lab/DocVQA", "DocVQA", {"validation": docvqa(ROWS)})
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    found = open_table("hf:lmms-lab/DocVQA:DocVQA@validation")
    rows, problems = read_rows(found, DOCVQA)
    assert problems == [] and [r.id for r in rows] == ["q1", "q2"]
    assert found.image(0, "image").size == (48, 32)
    prints = source_fingerprint("hf:lmms-lab/DocVQA:DocVQA@validation")
    assert prints["kind"] == "hub" and prints["rows"] == 2 and prints["fingerprint"]
    with pytest.raises(SourceError, match=r"cannot load 'nobody/nothing'.*local cache"):
        open_table("hf:nobody/nothing")


def test_the_fingerprint_changes_with_the_data_not_with_a_copy(tmp_path: Path) -> None:
    docvqa(ROWS).to_parquet(str(tmp_path / "a.parquet"))
    before = source_fingerprint(tmp_path / "a.parquet")
    shutil.copy(tmp_path / "a.parquet", tmp_path / "copy.parquet")
    assert (
        source_fingerprint(tmp_path / "copy.parquet")["files"]["copy.parquet"] == before["files"]["a.parquet"]
    )
    docvqa([ROWS[0], ("q2", "Total?", ["$13"])]).to_parquet(str(tmp_path / "a.parquet"))
    assert source_fingerprint(tmp_path / "a.parquet") != before
    docvqa(ROWS).save_to_disk(str(tmp_path / "saved"))
    docvqa(ROWS[:1]).save_to_disk(str(tmp_path / "other"))
    assert (
        source_fingerprint(tmp_path / "saved")["fingerprint"]
        != source_fingerprint(tmp_path / "other")["fingerprint"]
    )


def test_columns_merge_only_what_a_config_sets() -> None:
    given = Columns.model_validate({"id": "qid", "groups": ["kind"]})
    merged = Columns(answers="answer", id="questionId").merged(given)
    assert (merged.answers, merged.id, merged.groups) == ("answer", "qid", ("kind",))
    with pytest.raises(ValueError, match="imag"):
        Columns.model_validate({"imag": "x"})
