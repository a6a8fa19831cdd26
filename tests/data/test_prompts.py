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
