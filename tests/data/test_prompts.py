from __future__ import annotations

from pathlib import Path

import pytest

from vlmhyperbench.data import Sample
from vlmhyperbench.data.prompts import PromptError, load_prompts


def _sample(doc_class: str, question_type: str) -> Sample:
    return Sample("1", "test", "i.png", "Вопрос?", "", doc_class, question_type)


def test_built_in_collection_has_system_and_specific_prompts() -> None:
    prompts = load_prompts()
    assert prompts.system
    assert "ННН-ННН-ННН НН" in prompts.render(_sample("snils", "number"))
    assert "ДД.ММ.ГГГГ" in prompts.render(_sample("visa", "birth_date"))  # "*" row
    assert prompts.render(_sample("visa", "colour")).startswith("Вопрос?")  # default


def test_most_specific_template_wins(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "default: 'D {question}'\nprompts:\n"
        "  '*': {number: 'AnyNum'}\n  inn: {'*': 'InnAny', number: 'InnNum'}\n",
        encoding="utf-8",
    )
    prompts = load_prompts(path)
    assert prompts.system is None
    assert prompts.render(_sample("inn", "number")) == "InnNum"
    assert prompts.render(_sample("inn", "date")) == "InnAny"
    assert prompts.render(_sample("snils", "number")) == "AnyNum"
    assert prompts.render(_sample("snils", "date")) == "D Вопрос?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("defualt: x\n", "unknown key 'defualt'"),
        ("default: '{questoin}'\n", "default: unknown placeholder {questoin}"),
        ("prompts: {inn: {number: ''}}\n", "prompts.inn.number must be a non-empty string"),
        ("- a\n", "expected a mapping"),
    ],
)
def test_bad_prompt_files_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PromptError, match=r"p\.yaml") as info:
        load_prompts(path)
    assert expected in str(info.value)


UPSTREAM_CSV = (
    "\ufeffprompt;doc_class_question_type;cer\n"
    "Запиши серию и номер паспорта. Пример: 4369 975136.;passport Серия и номер паспорта;0.0\n"
    "Напиши ИНН {только цифры}.;tin_new ИНН;0.1\n"
)


def _upstream(doc_class: str, question_type: str, question: str = "") -> Sample:
    return Sample("1", "test", "i.png", question, "", doc_class, question_type)


def test_upstream_csv_collection_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "Qwen2-VL-2B_demo_mini.csv"
    path.write_text(UPSTREAM_CSV, encoding="utf-8")
    prompts = load_prompts(path)
    assert prompts.render(_upstream("passport", "Серия и номер паспорта")).startswith("Запиши серию")
    assert prompts.render(_upstream("tin_new", "ИНН")) == "Напиши ИНН {только цифры}."  # braces literal


def test_a_missing_pair_is_an_error_or_with_fallback_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(UPSTREAM_CSV, encoding="utf-8")
    prompts = load_prompts(path)
    with pytest.raises(PromptError, match=r"no prompt for doc_class 'snils', question_type 'Номер снилса'"):
        prompts.render(_upstream("snils", "Номер снилса", "Какой номер?"))
    with pytest.warns(UserWarning, match="'snils', question_type 'Номер снилса'"):
        assert (
            prompts.render(_upstream("snils", "Номер снилса", "Какой номер?"), fallback=True)
            == "Какой номер?"
        )
    with pytest.raises(PromptError, match="question 1: the question is empty"), pytest.warns(UserWarning):
        prompts.render(_upstream("snils", "Номер снилса"), fallback=True)


def test_a_bad_csv_collection_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("prompt;doc_class_question_type\nТекст;passport\n", encoding="utf-8")
    with pytest.raises(PromptError, match=r"p\.csv: row 2: expected a prompt and 'doc_class question_type'"):
        load_prompts(path)


@pytest.mark.parametrize(
    ("doc_class", "question_type"),
    [
        ("passport_HD", "Серия и номер паспорта"),
        ("tin_old", "ИНН"),
        ("snils", "Номер снилса"),
        ("invoice", "Продавец"),
        ("interest_free_loan_agreement", "Сумма займа"),
        ("tin_new", "ФИО"),
    ],
)
def test_built_in_prompts_cover_upstream_labels_without_a_question(
    doc_class: str, question_type: str
) -> None:
    text = load_prompts().render(_upstream(doc_class, question_type))
    assert text and "{" not in text
