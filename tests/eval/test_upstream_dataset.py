"""A dataset, prompt collection and answers in upstream VLMHyperBench's own format go through `data check`,
`run` and `score` unchanged.

The fixture is `golden/upstream/annotation.csv` (modelled on upstream's published demo_mini and SNILS
samples: BOM, CRLF, a data_index shared by each document's questions, Russian question types, some questions
left empty for the prompt collection to supply) with small images written here, and a prompt collection in
upstream's CSV format (`prompt;doc_class_question_type;cer`, prompts phrased as upstream's "Напиши Фамилия.").
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.errors import ExitCode

GOLDEN = Path(__file__).parent / "golden" / "upstream"
runner = CliRunner()


@pytest.fixture(scope="module")
def upstream_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("upstream_set")
    # the golden file less its two empty reference answers: upstream scores them as "nan", our data check
    # refuses them (an empty reference is a labelling mistake far more often than a blank field)
    lines = (GOLDEN / "annotation.csv").read_bytes().split(b"\r\n")
    kept = [line for line in lines if b";clean;images/5.jpg;\xd0\x9a\xd0\x9f\xd0\x9f" not in line]  # КПП rows
    (root / "annotation.csv").write_bytes(b"\r\n".join(kept))
    (root / "images").mkdir()
    with (root / "annotation.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert len(rows) == 37 and all(r["answer"] for r in rows)
    for image in {r["image_path"] for r in rows}:
        Image.new("RGB", (64, 48), "white").save(root / image)
    pairs = dict.fromkeys(f"{r['doc_class']} {r['question_type']}" for r in rows)
    prompt_lines = ["prompt;doc_class_question_type;cer"]
    prompt_lines += [f"Напиши {pair.split(' ', 1)[1]}. Пример: 4369 975136.;{pair};0.0" for pair in pairs]
    (root / "prompts.csv").write_text("\ufeff" + "\r\n".join(prompt_lines) + "\r\n", encoding="utf-8")
    return root


def test_data_check_accepts_upstream_format(upstream_set: Path) -> None:
    result = runner.invoke(app, ["data", "check", str(upstream_set)])
    assert result.exit_code == ExitCode.OK, result.output
    assert "37 questions, 8 images" in result.output


def test_run_then_score_with_the_upstream_profile(upstream_set: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    config = tmp_path / "run.yaml"
    config.write_text(
        f"model: 'dummy:tiny-qwen2-vl'\ndataset: '{upstream_set}'\n"
        f"prompts: '{upstream_set / 'prompts.csv'}'\nmetrics: [CER, WER, BLEU]\n"
        "batch_size: 8\ndevice: cpu\nimage_size: 56\n"
        "generation: {max_new_tokens: 2}\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(config), "--out", str(out)])
    assert result.exit_code == ExitCode.OK, result.output
    answers = out / "answers.csv"
    ids = [row[0] for row in csv.reader(answers.open(encoding="utf-8"), delimiter=";")][1:]
    assert ids == [str(i) for i in range(37)]  # upstream's ids: row positions
    before = answers.read_bytes()
    scored = runner.invoke(
        app,
        [
            "score",
            str(answers),
            "--dataset",
            str(upstream_set),
            "--scoring",
            "upstream",
            "--out",
            str(tmp_path),
        ],
    )
    assert scored.exit_code == ExitCode.OK, scored.output
    assert "every dataset question has an answer" in scored.output
    assert answers.read_bytes() == before
    header = (tmp_path / "answers_by_doc_question.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "doc_class;question_type;wer_error;cer_error;bleu_error"


def test_a_prompt_collection_missing_a_pair_stops_the_run_before_the_model(
    upstream_set: Path, tmp_path: Path
) -> None:
    partial = tmp_path / "partial.csv"
    partial.write_text("prompt;doc_class_question_type\nНапиши ИНН.;tin_new ИНН\n", encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text(
        f"model: 'no-such-model'\ndataset: '{upstream_set}'\nprompts: '{partial}'\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "r")])
    assert result.exit_code == ExitCode.USAGE
    assert "no prompt for doc_class 'snils', question_type 'Номер снилса'" in " ".join(result.output.split())
