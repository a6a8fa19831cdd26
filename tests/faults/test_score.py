"""Fault catalogue, issue 25 item 6: `score` never overwrites a user's file, never writes into the dataset
folder, and refuses an answers file with no answer in it (it said "scored 0 answers", exit 0)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture


def _answers(folder: Path, text: str = "id;model_answer\n0;x\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "answers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_score_never_replaces_a_users_table_beside_the_answers(
    cli: Cli, one_line_error: OneLineError, tiny_dataset: Path, tmp_path: Path
) -> None:
    answers = _answers(tmp_path / "mine")
    users = answers.with_name("answers_by_id.csv")
    users.write_text("my own notes\n", encoding="utf-8")
    output = one_line_error(cli("score", answers, "--dataset", tiny_dataset))
    assert f"{users} already exists" in output and "--force" in output
    assert users.read_text(encoding="utf-8") == "my own notes\n"
    assert not answers.with_name("answers_general.csv").exists()  # refused before any table is written
    forced = cli("score", answers, "--dataset", tiny_dataset, "--force")
    assert forced.returncode == 0 and users.read_text(encoding="utf-8").startswith("id;")


def test_score_out_inside_the_dataset_folder_is_refused(
    cli: Cli, one_line_error: OneLineError, tiny_dataset: Path, tmp_path: Path
) -> None:
    dataset = Path(shutil.copytree(tiny_dataset, tmp_path / "dataset"))
    before = sorted(p.name for p in dataset.rglob("*"))
    answers = _answers(tmp_path / "answers")
    for out in (dataset, dataset / "images"):
        output = one_line_error(cli("score", answers, "--dataset", dataset, "--out", out))
        assert "is inside the dataset folder" in output
    answers_in_set = _answers(dataset / "runs")  # answers kept in the set: the default --out is refused too
    one_line_error(cli("score", answers_in_set, "--dataset", dataset))
    assert sorted(p.name for p in dataset.rglob("*")) == sorted([*before, "runs", "answers.csv"])


def test_score_refuses_an_empty_answers_file_or_one_with_no_answer(
    cli: Cli, one_line_error: OneLineError, tiny_dataset: Path, tmp_path: Path
) -> None:
    empty = _answers(tmp_path / "empty", "")
    assert "is empty" in one_line_error(
        cli("score", empty, "--dataset", tiny_dataset, "--out", tmp_path / "o")
    )
    header = _answers(tmp_path / "header", "id;model_answer\n")
    for scoring in ("default", "upstream"):
        output = one_line_error(cli("score", header, "--dataset", tiny_dataset, "--out", tmp_path / scoring,
                                    "--scoring", scoring))  # fmt: skip
        assert "holds no answer to any of the 3 dataset questions" in output
