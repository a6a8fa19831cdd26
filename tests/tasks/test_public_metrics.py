"""The public benchmarks' official scores against figures worked out by hand, edge cases included."""

from __future__ import annotations

import pytest

from vlmhyperbench.tasks.public_metrics import (
    anls,
    ocrbench_match,
    relaxed_accuracy,
    relaxed_correct,
    vqa_accuracy,
    vqa_normalize,
)


@pytest.mark.parametrize(
    ("prediction", "references", "expected"),
    [
        ("Paris", ["paris"], 1.0),  # case is ignored
        ("  Paris ", ["paris"], 1.0),  # so is surrounding space
        ("1O5", ["105", "one hundred five"], 1 - 1 / 3),  # best reference: 1 edit over 3 characters
        ("abcd", ["abxy"], 0.5),  # distance 2/4 = 0.5: not below the threshold, kept
        ("abc", ["axy"], 0.0),  # 2/3: similarity 1/3 < 0.5 -> 0
        ("", ["x"], 0.0),  # an empty answer
        ("", [""], 1.0),  # nothing to say, nothing said
        ("a  b", ["ab"], 0.75),  # 1 edit on "a b", over the raw length 4 (the RRC script's quirk)
        ("12,000", ["12000", "12,000"], 1.0),
    ],
)
def test_anls(prediction: str, references: list[str], expected: float) -> None:
    assert anls(prediction, references) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("prediction", "target", "right"),
    [
        ("12", "12.5", True),  # 0.5 / 12.5 = 4 %
        ("11.8", "12.5", False),  # 0.7 / 12.5 = 5.6 %
        ("105", "100", True),  # exactly 5 %
        ("45%", "0.45", True),  # a percent sign divides by 100
        ("45", "45%", False),  # 45 against 0.45, and "45" != "45%" as text
        ("12 kg", "12", False),  # units make it text: exact match only
        ("12 KG", "12 kg", True),  # text matches ignore case
        ("0.0", "0", False),  # a zero target is compared as text
        ("0", "0", True),
        ("Yes", "yes", True),
        ("", "5", False),  # an empty answer
        (" 12 ", "12", True),  # float() reads surrounding spaces
    ],
)
def test_relaxed_correctness(prediction: str, target: str, right: bool) -> None:
    assert relaxed_correct(prediction, target) is right


def test_relaxed_accuracy_takes_any_reference() -> None:
    assert relaxed_accuracy("20", ["19", "hello"]) == 0.0  # 1/19 = 5.3 %
    assert relaxed_accuracy("20", ["hello", "19.5"]) == 1.0  # 0.5/19.5 = 2.6 %


@pytest.mark.parametrize(
    ("prediction", "references", "source", "expected"),
    [
        ("The sign says HELLO world", ["hello"], "IIIT5K", 1.0),
        ("The sign says HELLO world", ["bye", "World"], "IIIT5K", 1.0),  # any reference
        ("hel lo", ["hello"], "IIIT5K", 0.0),
        ("", ["a"], "IIIT5K", 0.0),  # an empty answer
        ("line one\nline two", ["one line"], "FUNSD", 1.0),  # a newline reads as a space
        ("x ^ { 2 }", ["x^{2}"], "HME100k", 1.0),  # formulas: every space removed
        ("X^{2}", ["x^{2}"], "HME100k", 0.0),  # ... and case kept
        ("X^{2}", ["x^{2}"], "", 1.0),
    ],
)
def test_ocrbench(prediction: str, references: list[str], source: str, expected: float) -> None:
    assert ocrbench_match(prediction, references, source) == expected


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("The Two dogs.", "2 dogs"),  # articles dropped, number words as digits, final period dropped
        ("Coca-Cola!", "coca cola"),  # a mark not next to a space is read as a space
        ("3.5", "3.5"),  # a period before a digit stays
        ("dont", "don't"),
        ("it's", "it 's"),
        ("1,000", "1000"),
        ("(yes)", "yes"),
    ],
)
def test_vqa_normalize(text: str, normalised: str) -> None:
    assert vqa_normalize(text) == normalised


def test_vqa_accuracy_over_the_ten_choose_nine_subsets() -> None:
    references = ["2", "2", "two", *["3"] * 7]  # normalised: three "2", seven "3"
    # leaving out one of the "2"s (3 times): 2 others match -> 2/3; leaving out a "3" (7 times): 3 -> 1
    assert vqa_accuracy("2", references) == pytest.approx((3 * 2 / 3 + 7 * 1) / 10)
    assert vqa_accuracy("Three", references) == 1.0  # six or seven others agree in every subset
    assert vqa_accuracy("4", references) == 0.0
    assert vqa_accuracy("", references) == 0.0  # an empty answer
    # one annotator said "a dog": only the 9 subsets that keep them count 1/3
    assert vqa_accuracy("dog", ["a dog", *["cat"] * 9]) == pytest.approx(9 * (1 / 3) / 10)
    assert vqa_accuracy("Yes.", ["yes"] * 10) == 1.0
