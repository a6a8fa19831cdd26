from __future__ import annotations

from pathlib import Path

import pytest

from vlmhyperbench.runs.answers import AnswersError, AnswersWriter, read_answers


def test_batches_append_and_read_back_with_awkward_text(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    with AnswersWriter(path) as writer:
        writer.write_batch(["a", "b"], ["Иванов; Иван", 'с "кавычками"'])
    with AnswersWriter(path) as writer:  # a resumed run appends without a second header
        writer.write_batch(["c"], ["две\nстроки"])
    assert path.read_text(encoding="utf-8").startswith("id;model_answer\n")
    assert read_answers(path) == {"a": "Иванов; Иван", "b": 'с "кавычками"', "c": "две\nстроки"}


@pytest.mark.parametrize("partial", ["c;Ива", 'c;"две\nстр', "c"])
def test_partial_last_record_is_repaired(tmp_path: Path, partial: str) -> None:
    path = tmp_path / "answers.csv"
    with AnswersWriter(path) as writer:
        writer.write_batch(["a", "b"], ["1", "2"])
    with path.open("a", encoding="utf-8") as handle:
        handle.write(partial)
    assert read_answers(path, repair=True) == {"a": "1", "b": "2"}
    assert path.read_text(encoding="utf-8") == "id;model_answer\na;1\nb;2\n"


def test_damaged_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("id,answer\na,1\n", encoding="utf-8")
    with pytest.raises(AnswersError, match="row 1: expected the header 'id;model_answer'"):
        read_answers(path)
    path.write_text("id;model_answer\na;1\na;2\n", encoding="utf-8")
    with pytest.raises(AnswersError, match="row 3: duplicate id 'a'"):
        read_answers(path)
    assert read_answers(tmp_path / "missing.csv") == {}
