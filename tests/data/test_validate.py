"""Every bad input gives a clear error naming file, row and column."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.data import COLUMNS, DatasetError, Sample, check_dataset, load_dataset, write_annotation

HEADER = ";".join(COLUMNS)


def _row(
    index: str = "1", image: str = "img.png", question: str = "Какая фамилия?", answer: str = "Иванов"
) -> str:
    return f"{index};test;{image};{question};{answer};passport;surname;"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    Image.new("RGB", (16, 16), "white").save(tmp_path / "img.png")
    return tmp_path


def _write(folder: Path, *lines: str, data: bytes | None = None) -> Path:
    path = folder / "annotation.csv"
    path.write_bytes(data if data is not None else ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def _only(folder: Path) -> str:
    problems = check_dataset(folder)
    assert len(problems) == 1, problems
    return str(problems[0])


def test_good_dataset_loads(folder: Path) -> None:
    _write(folder, HEADER, _row("1"), _row("2", question="Какое имя?", answer="Иван"))
    dataset = load_dataset(folder)
    assert [s.id for s in dataset.samples] == ["0", "1"]  # row positions, as upstream numbers answers
    assert [s.data_index for s in dataset.samples] == ["1", "2"]
    assert dataset.samples[0].answer == "Иванов"
    assert dataset.load_image(dataset.samples[0]).size == (16, 16)


def test_bom_is_accepted(folder: Path) -> None:
    _write(folder, data=("\ufeff" + HEADER + "\n" + _row() + "\n").encode("utf-8"))
    assert check_dataset(folder) == []
    assert load_dataset(folder).samples[0].data_index == "1"


def test_write_then_read_round_trip(folder: Path) -> None:
    sample = Sample(
        "a;1", "test", "img.png", 'вопрос с ";"', "ответ\nв две строки", "inn", "number", "[1, 2, 3, 4]"
    )
    write_annotation(folder, [sample])
    assert load_dataset(folder).samples == [replace(sample, position=0)]


def test_wrong_separator(folder: Path) -> None:
    _write(folder, HEADER.replace(";", ","), _row().replace(";", ","))
    message = _only(folder)
    assert "annotation.csv, row 1" in message and "wrong separator" in message and "comma" in message


def test_missing_columns(folder: Path) -> None:
    _write(folder, "data_index;split;image_path;question;answer", "1;test;img.png;q;a")
    message = _only(folder)
    assert "row 1" in message and "missing column(s): doc_class, question_type (expected" in message


def test_split_and_answer_bbox_are_optional(folder: Path) -> None:
    _write(
        folder, "data_index;image_path;question;answer;doc_class;question_type", "1;img.png;q;a;inn;number"
    )
    (sample,) = load_dataset(folder).samples
    assert sample.split == "" and sample.answer_bbox == ""


def test_data_index_is_a_document_number_that_repeats(folder: Path) -> None:
    _write(
        folder, HEADER, _row("7"), _row("7"), "", _row("8")
    )  # a blank line is not a row (as pandas reads it)
    samples = load_dataset(folder).samples
    assert [(s.data_index, s.id) for s in samples] == [("7", "0"), ("7", "1"), ("8", "2")]


def test_missing_image(folder: Path) -> None:
    _write(folder, HEADER, _row(image="nope.png"))
    message = _only(folder)
    assert "row 2, column 'image_path'" in message and "'nope.png' does not exist" in message


def test_unreadable_image(folder: Path) -> None:
    (folder / "broken.png").write_bytes(b"not a png at all")
    _write(folder, HEADER, _row(image="broken.png"))
    message = _only(folder)
    assert "row 2, column 'image_path'" in message and "cannot be read" in message


@pytest.mark.parametrize("image", ["../outside.png", "sub/../../outside.png", "/etc/passwd"])
def test_image_path_escaping_the_folder(folder: Path, image: str) -> None:
    Image.new("RGB", (4, 4)).save(folder.parent / "outside.png")
    _write(folder, HEADER, _row(image=image))
    message = _only(folder)
    assert "row 2, column 'image_path'" in message
    assert "escapes the dataset folder" in message or "is absolute" in message


def test_absolute_image_path_is_read_only_when_allowed(
    folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("images") / "page.png"
    Image.new("RGB", (4, 4)).save(elsewhere)
    _write(folder, HEADER, _row(image=str(elsewhere)), _row(index="2", image="../outside.png"))
    Image.new("RGB", (4, 4)).save(folder.parent / "outside.png")
    refused = [str(p) for p in check_dataset(folder)]
    assert len(refused) == 2 and "row 2, column 'image_path'" in refused[0]
    assert "is absolute" in refused[0] and "--allow-absolute-paths" in refused[0]
    allowed = [str(p) for p in check_dataset(folder, allow_absolute_paths=True)]
    assert len(allowed) == 1 and "row 3" in allowed[0] and "escapes the dataset folder" in allowed[0]
    _write(folder, HEADER, _row(image=str(elsewhere)))
    dataset = load_dataset(folder, allow_absolute_paths=True)
    assert dataset.image_file(dataset.samples[0]) == elsewhere
    assert dataset.load_image(dataset.samples[0]).size == (4, 4)


def test_empty_question_is_left_to_the_prompt_collection(folder: Path) -> None:
    _write(folder, HEADER, _row(question=""))
    assert load_dataset(folder).samples[0].question == ""


def test_answer_bbox_is_read_as_pixels(folder: Path) -> None:
    _write(folder, HEADER, _row(index="1") + "[1.4, 2, 10, 12.6]", _row(index="2"))
    first, second = load_dataset(folder).samples
    assert first.bbox == (1, 2, 10, 13) and second.bbox is None


def test_non_utf8(folder: Path) -> None:
    _write(folder, data=(HEADER + "\n" + _row()).encode("cp1251"))
    message = _only(folder)
    assert "annotation.csv, row 2, column 'question'" in message and "not UTF-8" in message


def test_wrong_field_count(folder: Path) -> None:
    _write(folder, HEADER, _row() + ";extra")
    assert "row 2: 9 fields, the header has 8" in _only(folder)


def test_missing_annotation_file(tmp_path: Path) -> None:
    assert "no annotation.csv" in _only(tmp_path)


def test_load_raises_with_every_problem(folder: Path) -> None:
    _write(folder, HEADER, _row("1", image=""), _row("2", image="/etc/passwd"), _row("3", image="x.png"))
    with pytest.raises(DatasetError) as info:
        load_dataset(folder)
    assert len(info.value.problems) == 3
    assert "3 problem(s)" in str(info.value)


def test_cli_data_check_lists_problems_and_exits_1(folder: Path) -> None:
    _write(folder, HEADER, _row("1", image=""), _row("1", image="../outside.png"))
    result = CliRunner().invoke(app, ["data", "check", str(folder)])
    assert result.exit_code == 1
    assert "empty image path" in result.output and "outside.png" in result.output


def test_cli_data_check_ok(folder: Path) -> None:
    _write(folder, HEADER, _row())
    result = CliRunner().invoke(app, ["data", "check", str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 questions" in result.output
