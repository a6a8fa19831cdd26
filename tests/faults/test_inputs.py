"""Fault catalogue, issue 13: bad inputs end in one line naming file, row and column (the real CLI).

Items 4 (synth over a dataset), 6 (empty references), and the "traceback where a one-line error belongs"
and "accepted when it should not be" lists that concern datasets, configs and output folders.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from vlmhyperbench.data import check_dataset
from vlmhyperbench.data.annotation import COLUMNS

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture


@pytest.fixture
def dataset(tmp_path: Path, tiny_dataset: Path) -> Path:
    """A private copy of the tiny dataset, for the test to break."""
    return Path(shutil.copytree(tiny_dataset, tmp_path / "dataset"))


@pytest.fixture
def check_error(dataset: Path, cli: Cli, one_line_error: OneLineError) -> Callable[[], str]:
    """`vlmhyperbench data check` on `dataset`, which must fail with one line: that line."""
    return lambda: one_line_error(cli("data", "check", dataset), code=1)


def _edit_row(dataset: Path, column: str, value: str, row: int = 2) -> None:
    """Set one cell of annotation.csv (row 2 is the first question) through plain text editing."""
    path = dataset / "annotation.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[row - 1].split(";")
    cells[COLUMNS.index(column)] = value
    lines[row - 1] = ";".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_4_synth_onto_an_existing_dataset_refuses(
    dataset: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    before = {p: p.read_bytes() for p in dataset.rglob("*") if p.is_file()}
    message = one_line_error(cli("data", "synth", "--out", dataset, "--n", "1"))
    assert f"--out {dataset} is not empty" in message and "--force" in message
    assert {p: p.read_bytes() for p in dataset.rglob("*") if p.is_file()} == before
    forced = cli("data", "synth", "--out", dataset, "--n", "1", "--seed", "5", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (dataset / "annotation.csv").read_bytes() != before[dataset / "annotation.csv"]


def test_synth_out_an_existing_file(tmp_path: Path, cli: Cli, one_line_error: OneLineError) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    assert "is a file, not a folder" in one_line_error(cli("data", "synth", "--out", target, "--n", "1"))
    assert target.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_reference_answer_is_accepted_with_a_warning_count(
    dataset: Path, value: str, cli: Cli
) -> None:
    """Issue 25 item 5 (issue 13's item 6 went too far): a field that is not on the document has an empty
    reference, as upstream's sets do; `data check` passes and counts them."""
    _edit_row(dataset, "answer", value, row=3)
    checked = cli("data", "check", dataset)
    assert checked.returncode == 0, checked.stderr
    assert "warning: 1 question(s) have an empty reference answer" in checked.stderr


def test_an_empty_reference_is_scored_as_defined_and_upstream_as_upstream(
    dataset: Path, cli: Cli, tmp_path: Path
) -> None:
    """Empty answer to an empty reference: correct; a non-empty one: wrong by its full length (no division
    by zero); `--scoring upstream`: the reference is pandas' "nan", as metric_evaluator reads it."""
    import csv

    _edit_row(dataset, "answer", "", row=2)
    _edit_row(dataset, "answer", "", row=3)
    answers = tmp_path / "answers" / "answers.csv"
    answers.parent.mkdir()
    answers.write_text("id;model_answer\n0;\n1;abcd\n", encoding="utf-8")
    scored = cli("score", answers, "--dataset", dataset, "--out", tmp_path / "default")
    assert scored.returncode == 0, scored.stderr
    with (tmp_path / "default" / "answers_by_id.csv").open(encoding="utf-8") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle, delimiter=";")}
    assert {k: float(rows["0"][k]) for k in ("cer", "wer", "anls", "bleu", "exact_match")} == {
        "cer": 0.0, "wer": 0.0, "anls": 1.0, "bleu": 1.0, "exact_match": 1.0}  # fmt: skip
    assert {k: float(rows["1"][k]) for k in ("cer", "wer", "anls", "bleu", "exact_match")} == {
        "cer": 1.0, "wer": 1.0, "anls": 0.0, "bleu": 0.0, "exact_match": 0.0}  # fmt: skip
    upstream = cli("score", answers, "--dataset", dataset, "--out", tmp_path / "upstream", "--scoring",
                   "upstream")  # fmt: skip
    assert upstream.returncode == 0 and "Traceback" not in upstream.stderr, upstream.stderr
    from vlmhyperbench.eval.upstream import score_upstream

    result = score_upstream(dataset / "annotation.csv", answers, ["CER"])
    by_id = {int(str(r["id"])): r for r in result.tables["by_id"]}
    assert by_id[1]["cer_error"] == pytest.approx(4 / 3)  # "abcd" against "nan": 3 substitutions, 1 insertion


@pytest.mark.parametrize(
    ("value", "message"),
    [("[-5, 2, 30, 40]", "negative coordinate"), ("[30, 2, 10, 40]", "inverted or empty"),
     ("[[1, 2, 3, 4], [5, 40, 7, 8]]", "inverted or empty")],
)  # fmt: skip
def test_an_answer_box_with_negative_or_inverted_coordinates_is_a_dataset_error(
    dataset: Path, value: str, message: str, check_error: Callable[[], str]
) -> None:
    _edit_row(dataset, "answer_bbox", value)
    output = check_error()
    assert "row 2, column 'answer_bbox'" in output and message in output


@pytest.mark.parametrize("value", ["abc", "[1,2,3]", '[1,2,3,"x"]', "[[1,2,3,4],[5]]", "[1,2,3,NaN]"])
def test_a_malformed_answer_bbox_is_a_dataset_error(dataset: Path, value: str) -> None:
    _edit_row(dataset, "answer_bbox", value)
    problems = [str(p) for p in check_dataset(dataset)]
    assert len(problems) == 1 and "row 2, column 'answer_bbox'" in problems[0], problems


def test_well_formed_answer_bboxes_pass(dataset: Path) -> None:
    _edit_row(dataset, "answer_bbox", "[[1, 2, 3, 4], [5.5, 6, 7, 8]]")
    _edit_row(dataset, "answer_bbox", "", row=3)
    assert check_dataset(dataset) == []


def test_a_png_whose_pixels_cannot_be_decoded(dataset: Path, check_error: Callable[[], str]) -> None:
    """Every chunk has a valid CRC (so `verify` passes), but the IDAT stream is not zlib data."""
    image = next((dataset / "images").glob("*.png"))
    data = image.read_bytes()
    ihdr_end = 8 + 8 + 13 + 4
    image.write_bytes(data[:ihdr_end] + _chunk(b"IDAT", b"\x00not zlib at all" * 64) + _chunk(b"IEND", b""))
    message = check_error()
    assert f"column 'image_path': image 'images/{image.name}' cannot be read" in message


def test_a_decompression_bomb(dataset: Path, check_error: Callable[[], str]) -> None:
    """A 20000x20000 PNG header: PIL refuses it as a decompression bomb; the dataset check says so."""
    image = next((dataset / "images").glob("*.png"))
    header = struct.pack(">IIBBBBB", 20000, 20000, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 100)
    image.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )
    message = check_error()
    assert "is too large to decode safely" in message


def test_a_question_over_the_csv_field_limit(dataset: Path, check_error: Callable[[], str]) -> None:
    _edit_row(dataset, "question", '"' + "вопрос " * 20000 + '"', row=3)
    message = check_error()
    assert "annotation.csv, row 3: cannot parse this row: field larger than field limit" in message


def test_rich_markup_in_a_path_is_shown_as_typed(dataset: Path, check_error: Callable[[], str]) -> None:
    _edit_row(dataset, "image_path", "images/[/x]scan.png")
    message = check_error()
    assert "image 'images/[/x]scan.png' does not exist" in message


def test_a_binary_config_file(tmp_path: Path, cli: Cli, one_line_error: OneLineError) -> None:
    config = tmp_path / "run.yaml"
    config.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary")
    message = one_line_error(cli("run", config))
    assert f"{config}: not a UTF-8 text file" in message


def test_run_out_an_existing_file(
    tiny_dataset: Path, tmp_path: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    target = tmp_path / "results.txt"
    target.write_text("mine", encoding="utf-8")
    message = one_line_error(cli("run", "--dataset", tiny_dataset, "--out", target))
    assert f"--out {target} is a file, not a folder" in message
    assert target.read_text(encoding="utf-8") == "mine"


def test_run_out_on_a_read_only_file_system(
    tiny_dataset: Path, tmp_path: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    disk = tmp_path / "ro"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("needs root to mount a read-only tmpfs (root ignores file modes)")
    try:
        message = one_line_error(cli("run", "--dataset", tiny_dataset, "--out", disk / "run"))
        assert f"cannot write {disk / 'run'}: Read-only file system [errno 30]" in message
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.parametrize("command", ["doctor", "sync"])
def test_project_root_that_is_not_a_checkout(
    command: str, tmp_path: Path, cli: Cli, one_line_error: OneLineError
) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    message = one_line_error(cli(command, "--project-root", missing))
    assert f"--project-root {missing}: no such folder" in message
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n', encoding="utf-8")
    message = one_line_error(cli(command, "--project-root", tmp_path))
    assert f"--project-root {tmp_path}: not a vlmhyperbench checkout" in message
