"""Class labels and page orders read from free text; nothing raises, unreadable answers are None."""

from __future__ import annotations

import pytest

from vlmhyperbench.tasks.parse import parse_class, parse_order

CLASSES = {
    "passport": "Паспорт",
    "snils": "СНИЛС",
    "tin_new": "ИНН нового образца",
    "tin_old": "ИНН старого образца",
}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("1", "snils"),  # upstream: the index in the prompt's numbered list
        (' "0". ', "passport"),
        ("Ответ: 3", "tin_old"),
        ("Это СНИЛС.", "snils"),
        ("паспорт", "passport"),
        ("ИНН нового образца", "tin_new"),
        ("tin_old", "tin_old"),
        ("9", None),  # out of the list
        ("паспорт или СНИЛС", None),  # two classes: no answer
        ("passport_HD", None),  # a key inside another word is not that key
        ("", None),
        ("какой-то документ 12 34", None),
    ],
)
def test_parse_class(answer: str, expected: str | None) -> None:
    assert parse_class(answer, CLASSES) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"ordered_pages": [3, 1, 4, 2]}', [3, 1, 4, 2]),
        ('Вот ответ:\n```json\n{"ordered_pages": [2, 1, 3, 4]}\n```', [2, 1, 3, 4]),
        ('Думаю {"reason": "x"} и {"ordered_pages": [4, 3, 2, 1]}', [4, 3, 2, 1]),
        ("[2, 4, 1, 3]", [2, 4, 1, 3]),
        ("Порядок: 3, 1, 4, 2.", [3, 1, 4, 2]),
        ('{"ordered_pages": ["a"]} 1 2 3 4', [1, 2, 3, 4]),
        ("не знаю", None),
        ("1 2", None),  # fewer numbers than pages
        ("", None),
    ],
)
def test_parse_order(answer: str, expected: list[int] | None) -> None:
    assert parse_order(answer, 4) == expected
