"""Metrics of the classification and page-sorting tasks, as upstream VLMHyperBench computes them.

Upstream (VLMHyperBenchTeam/bench_utils `bench_utils/metrics.py`):
- classification: accuracy, and precision, recall and F1 averaged over the classes weighted by each class's
  number of true items (scikit-learn's `average="weighted"`, `zero_division=0`), an unparseable answer
  being the extra label "None";
- page order: Kendall tau (scipy), the share of pages in their right place ("accuracy") and Spearman rho;
  an order that is not a permutation of the true pages scores 0 on each.

scikit-learn is not a dependency of this project and these four numbers are a confusion matrix away, so
they are computed here with numpy (tests hold them to hand-computed values). Kendall tau and Spearman rho
come from `scipy.stats`.

Two deliberate differences from upstream, both in favour of comparable numbers: Spearman rho is computed on
the pages' positions as Kendall tau is (upstream correlates the page numbers found at each position, which
is not a rank correlation unless the true order is 1..n), and a document whose answer cannot be parsed
scores 0 and is counted (upstream leaves it out of the means, which rewards a model that answers nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NONE_LABEL = "None"  # upstream's label for an answer that names no class


def classification_scores(y_true: Sequence[str], y_pred: Sequence[str | None]) -> dict[str, float]:
    """accuracy and weighted precision, recall and F1 (empty input: all 0)."""
    if not y_true:
        return {"accuracy": 0.0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    truth = list(y_true)
    pred = [NONE_LABEL if p is None else p for p in y_pred]
    per_class = per_class_scores(truth, pred)
    support = np.array([s["support"] for s in per_class.values()], dtype=float)
    weights = support / support.sum()

    def weighted(key: str) -> float:
        return float(np.dot(weights, [s[key] for s in per_class.values()]))

    return {
        "accuracy": float(np.mean([t == p for t, p in zip(truth, pred, strict=True)])),
        "precision": weighted("precision"),
        "recall": weighted("recall"),
        "f1": weighted("f1"),
    }


def per_class_scores(y_true: Sequence[str], y_pred: Sequence[str | None]) -> dict[str, dict[str, float]]:
    """precision, recall, F1 and support of every label seen in either list (zero_division=0)."""
    pred = [NONE_LABEL if p is None else p for p in y_pred]
    labels = list(dict.fromkeys([*y_true, *pred]))
    truth_arr, pred_arr = np.array(y_true, dtype=object), np.array(pred, dtype=object)
    found: dict[str, dict[str, float]] = {}
    for label in labels:
        is_true, is_pred = truth_arr == label, pred_arr == label
        tp = float(np.sum(is_true & is_pred))
        support, predicted = float(np.sum(is_true)), float(np.sum(is_pred))
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * tp / (support + predicted) if support + predicted else 0.0
        found[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return found


def is_permutation(true_order: Sequence[int], predicted: Sequence[int] | None) -> bool:
    """Whether `predicted` orders exactly the pages of `true_order`, each once."""
    return (
        predicted is not None
        and len(predicted) == len(true_order)
        and sorted(predicted) == sorted(true_order)
    )


def ordering_scores(true_order: Sequence[int], predicted: Sequence[int] | None) -> dict[str, float]:
    """Kendall tau, Spearman rho, exact order (1 or 0) and the share of pages in place, for one document.

    `true_order` lists the page numbers in reading order; `predicted` the model's order (None: unparsed).
    Anything but a permutation of the true pages scores 0 on every metric.
    """
    from scipy.stats import kendalltau, spearmanr

    if not is_permutation(true_order, predicted) or predicted is None:
        return {"kendall_tau": 0.0, "spearman_rho": 0.0, "exact_order": 0.0, "page_accuracy": 0.0}
    position = {page: i for i, page in enumerate(true_order)}
    true_positions = [position[page] for page in predicted]  # where each predicted page really belongs
    shown = list(range(len(predicted)))
    return {
        "kendall_tau": float(kendalltau(shown, true_positions).statistic),
        "spearman_rho": float(spearmanr(shown, true_positions).statistic),
        "exact_order": float(list(predicted) == list(true_order)),
        "page_accuracy": float(np.mean([t == p for t, p in zip(true_order, predicted, strict=True)])),
    }
