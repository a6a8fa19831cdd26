"""Scoring a ready answers file: ids present are scored, missing and extra ids are reported, the file is
left byte for byte as it was (the library call and the `vlmhyperbench score` command)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.data import load_dataset
from vlmhyperbench.data.synth import synthesize
from vlmhyperbench.errors import ExitCode, UsageError
from vlmhyperbench.eval.score_file import score_answers_file

GOLDEN = Path(__file__).parent / "golden" / "upstream"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    synthesize(root, n=3, seed=1)
    return root


def _answers(path: Path, dataset: Path, *, skip: int, extra: str) -> Path:
    samples = load_dataset(dataset, check_images=False).samples
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(["id", "model_answer"])
        writer.writerows([s.id, s.answer.upper()] for s in samples[skip:])
        writer.writerow([extra, "что-то"])
    return path


def test_missing_and_extra_ids_are_reported_and_the_file_is_untouched(tmp_path: Path, dataset: Path) -> None:
    answers = _answers(tmp_path / "my answers.csv", dataset, skip=7, extra="not_in_dataset")
    before = answers.read_bytes()
    samples = load_dataset(dataset, check_images=False).samples
    report = score_answers_file(answers, dataset, tmp_path / "out", metrics=["CER", "exact_match"])
    assert answers.read_bytes() == before
    assert report.questions == len(samples) and report.scored == len(samples) - 7
    assert report.missing == [s.id for s in samples[:7]]
    assert report.extra == ["not_in_dataset"]
    assert report.missing_line().startswith(f"7 of {len(samples)} dataset questions have no answer: ")
    assert report.missing_line().endswith("(2 more)")
    assert report.general["cer"] == 0.0 and report.general["exact_match"] == 1.0  # case is normalised
    assert sorted(p.name for p in report.files.values()) == sorted(
        f"my answers_{a}.csv" for a in ("by_id", "by_doc_question", "by_doc_type", "general")
    )
    assert {p.parent for p in report.files.values()} == {tmp_path / "out"}


def test_the_cli_scores_beside_the_answers_and_never_writes_into_them(tmp_path: Path, dataset: Path) -> None:
    answers = _answers(tmp_path / "answers.csv", dataset, skip=1, extra="zzz")
    before = answers.read_bytes()
    result = CliRunner().invoke(app, ["score", str(answers), "--dataset", str(dataset)])
    assert result.exit_code == ExitCode.OK, result.output
    assert "1 of" in result.output and "zzz" in result.output
    assert answers.read_bytes() == before
    assert (tmp_path / "answers_general.csv").is_file()


def test_the_upstream_profile_from_the_cli(tmp_path: Path) -> None:
    answers = shutil.copy(GOLDEN / "answers.csv", tmp_path / "answers.csv")
    before = Path(answers).read_bytes()
    result = CliRunner().invoke(
        app,
        [
            "score",
            str(answers),
            "--dataset",
            str(GOLDEN),
            "--out",
            str(tmp_path / "o"),
            "--scoring",
            "upstream",
        ],
    )
    assert result.exit_code == ExitCode.OK, result.output
    assert "2 of 39 dataset questions have no answer: 37, 38" in result.output
    assert Path(answers).read_bytes() == before
    header = (tmp_path / "o" / "answers_by_doc_type.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "doc_class;wer_error;cer_error;bleu_error"


def test_an_unknown_profile_names_the_choices(tmp_path: Path, dataset: Path) -> None:
    with pytest.raises(UsageError, match="Available: default, upstream"):
        score_answers_file(tmp_path / "a.csv", dataset, tmp_path, profile="legacy")
