"""Task metrics against values worked out by hand (the arithmetic is in each test)."""

from __future__ import annotations

import pytest

from vlmhyperbench.tasks import get_task
from vlmhyperbench.tasks.metrics import (
    classification_scores,
    is_permutation,
    ordering_scores,
    per_class_scores,
)


def test_classification_weighted_scores_by_hand() -> None:
    # truth a a b c, predicted a b b (unparsed)
    # a: tp 1, support 2, predicted 1 -> P 1, R 1/2, F1 2/3;  b: tp 1, support 1, predicted 2 -> P 1/2,
    # R 1, F1 2/3;  c: nothing right -> 0;  "None" has no true item -> weight 0.  Weights 2/4, 1/4, 1/4.
    scores = classification_scores(["a", "a", "b", "c"], ["a", "b", "b", None])
    assert scores["accuracy"] == pytest.approx(0.5)
    assert scores["precision"] == pytest.approx((2 * 1 + 1 * 0.5 + 1 * 0) / 4)  # 0.625
    assert scores["recall"] == pytest.approx((2 * 0.5 + 1 * 1 + 1 * 0) / 4)  # 0.5
    assert scores["f1"] == pytest.approx((2 * 2 / 3 + 1 * 2 / 3 + 0) / 4)  # 0.5


def test_classification_per_class_and_the_none_label() -> None:
    found = per_class_scores(["a", "b"], ["a", None])
    assert found["a"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1.0}
    assert found["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1.0}
    assert found["None"]["support"] == 0.0 and found["None"]["precision"] == 0.0


def test_classification_all_right_and_empty() -> None:
    assert classification_scores(["a", "b", "b"], ["a", "b", "b"]) == {
        "accuracy": 1.0,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
    }
    assert classification_scores([], []) == {"accuracy": 0.0, "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_ordering_by_hand() -> None:
    # truth 4 2 3 1, answer 1 2 3 4: the answered pages belong at positions 3 1 2 0.
    # Pairs of (0 1 2 3) vs (3 1 2 0): concordant only (1,2) -> tau (1 - 5) / 6 = -2/3.
    # Spearman: d = 3 0 0 -3, sum d^2 = 18 -> 1 - 6 * 18 / (4 * 15) = -0.8.  Pages 2 and 3 in place: 0.5.
    scores = ordering_scores([4, 2, 3, 1], [1, 2, 3, 4])
    assert scores["kendall_tau"] == pytest.approx(-2 / 3)
    assert scores["spearman_rho"] == pytest.approx(-0.8)
    assert scores["exact_order"] == 0.0
    assert scores["page_accuracy"] == pytest.approx(0.5)


def test_ordering_one_swap_exact_and_reversed() -> None:
    # truth 2 1 3 4, answer 1 2 3 4: positions 1 0 2 3, one discordant pair of 6 -> tau 4/6;
    # d = 1 -1 0 0, sum 2 -> rho 1 - 12/60 = 0.8
    swap = ordering_scores([2, 1, 3, 4], [1, 2, 3, 4])
    assert swap["kendall_tau"] == pytest.approx(2 / 3) and swap["spearman_rho"] == pytest.approx(0.8)
    assert ordering_scores([3, 1, 2], [3, 1, 2]) == {
        "kendall_tau": 1.0,
        "spearman_rho": 1.0,
        "exact_order": 1.0,
        "page_accuracy": 1.0,
    }
    reverse = ordering_scores([1, 2, 3, 4], [4, 3, 2, 1])
    assert reverse["kendall_tau"] == pytest.approx(-1.0) and reverse["spearman_rho"] == pytest.approx(-1.0)


@pytest.mark.parametrize("answer", [None, [1, 2, 3], [1, 2, 3, 3], [1, 2, 3, 5], [1, 2, 3, 4, 4]])
def test_anything_but_a_permutation_scores_zero(answer: list[int] | None) -> None:
    assert not is_permutation([1, 2, 3, 4], answer)
    assert set(ordering_scores([1, 2, 3, 4], answer).values()) == {0.0}


@pytest.mark.parametrize("name", ["classification", "sorting"])
def test_directions(name: str) -> None:
    metrics = get_task(name).metrics
    assert metrics["unparsed"].higher_is_better is False
    assert all(m.higher_is_better for n, m in metrics.items() if n != "unparsed")
