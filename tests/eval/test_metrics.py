"""Metrics against hand-computed values, and each metric's direction."""

from __future__ import annotations

import math

import pytest

from vlmhyperbench.eval import METRICS, get_metric, normalize_text, score


def test_normalisation_is_documented_behaviour() -> None:
    assert normalize_text("  Иванов\t Иван  ") == "иванов иван"
    assert normalize_text("Фёдоров", yo_to_e=True) == "федоров"
    assert normalize_text("112-233-445 95", drop_punctuation=True) == "11223344595"
    assert normalize_text("ООО «Вектор»", drop_punctuation=True) == "ооовектор"


def test_cer_hand_computed() -> None:
    # one substitution in four characters
    assert get_metric("cer").compute("абвг", "абвд") == pytest.approx(0.25)
    # case and spacing are normalised away
    assert get_metric("cer").compute("Иванов  Иван", "иванов иван") == 0.0
    # 3 insertions against a 1-character reference: CER can exceed 1
    assert get_metric("cer").compute("а", "абвг") == pytest.approx(3.0)
    assert get_metric("cer").compute("", "") == 0.0
    assert get_metric("cer").compute("", "x") == 1.0


def test_wer_hand_computed() -> None:
    # a b c d -> a x c: one substitution (b->x), one deletion (d): 2 / 4
    assert get_metric("wer").compute("a b c d", "a x c") == pytest.approx(0.5)
    assert get_metric("wer").compute("Иванов Иван Иванович", "Иванов Иван") == pytest.approx(1 / 3)


def test_anls_hand_computed() -> None:
    anls = get_metric("anls")
    assert anls.compute("Петров", "петров") == 1.0
    assert anls.compute("abcd", "abce") == pytest.approx(0.75)  # distance 1/4
    assert anls.compute("abcde", "abxye") == pytest.approx(0.6)  # distance 2/5 < 0.5
    assert anls.compute("ab", "ax") == 0.0  # distance exactly 0.5: not below the threshold
    assert anls.compute("abcd", "wxyz") == 0.0


def test_bleu_hand_computed() -> None:
    bleu = get_metric("bleu")
    assert bleu.compute("Иванов Иван Иванович", "иванов иван иванович") == pytest.approx(1.0)
    assert bleu.compute("кот сидит на ковре", "собака") == 0.0
    # 4 words, 3 right in order: p1=3/3, p2=2/2, p3=1/1, brevity penalty exp(1 - 4/3)
    assert bleu.compute("a b c d", "a b c") == pytest.approx(math.exp(1 - 4 / 3), rel=1e-6)


def test_exact_match_normalisation() -> None:
    em = get_metric("exact_match")
    assert em.compute("112-233-445 95", "11223344595") == 1.0
    assert em.compute("Иванов, И.И.", "иванов ии") == 1.0
    assert em.compute("Фёдоров", "Федоров") == 0.0
    assert em.compute("Фёдоров", "Федоров", yo_to_e=True) == 1.0
    assert em.compute("123", "124") == 0.0


def test_directions() -> None:
    perfect, wrong = "Иванов", "Сидоренко"
    for spec in METRICS:
        good, bad = spec.compute(perfect, perfect), spec.compute(perfect, wrong)
        assert spec.better(good, bad), spec.name
    assert {s.name for s in METRICS if not s.higher_is_better} == {"cer", "wer"}
    assert {s.name for s in METRICS if s.higher_is_better} == {"anls", "bleu", "exact_match"}


def test_unknown_metric_lists_the_available() -> None:
    with pytest.raises(
        KeyError, match=r"Unknown metric 'cre'\. Available: cer, wer, anls, bleu, exact_match"
    ):
        score("a", "a", ["cre"])


def test_numero_sign_is_not_turned_into_no() -> None:
    from vlmhyperbench.eval.metrics import normalize_text

    assert normalize_text("№\u00a089") == "№ 89"
    assert normalize_text("ﬁ Ⅻ") == "fi xii"  # every other compatibility character still folds
    assert score("89", "№ 89", ["cer"])["cer"] == 1.0  # two insertions over two characters, not 1.5


def test_metric_names_are_case_insensitive() -> None:
    assert score("Иванов", "иванов", ["CER", "Wer"]) == {"cer": 0.0, "wer": 0.0}


def test_group_figures_are_corpus_level() -> None:
    from vlmhyperbench.eval.metrics import get_metric

    references, predictions = ["1", "ООО Ромашка и партнёры"], ["2", "ООО Ромашка и партнёры"]
    cer = get_metric("cer")
    assert cer.compute_corpus(references, predictions) == pytest.approx(1 / 23)  # one edit in 23 characters
    assert cer.aggregate(
        [cer.compute(r, p) for r, p in zip(references, predictions, strict=True)]
    ) == pytest.approx(0.5)
    bleu = get_metric("bleu")
    assert bleu.compute_corpus(["12"], ["12"]) == pytest.approx(1.0)  # an exact short answer is perfect
    assert 0.0 <= bleu.compute_corpus(references, predictions) <= 1.0
