"""Per-answer metrics, each a frozen spec that carries its direction.

Normalisation (documented, applied to both reference and prediction before every metric):
Unicode NFKC, lower case, every run of whitespace collapsed to one space, leading/trailing space removed, and
with `yo_to_e=True` the letter `ё` read as `е`. Exact match also drops punctuation (Unicode categories P* and
S*, so "123-456-789 01" equals "12345678901" and "«Вектор»" equals "Вектор").

- `cer`, `wer`: character / word error rate (jiwer), 0 is perfect, lower is better; can exceed 1.
- `anls`: 1 - normalised Levenshtein distance (rapidfuzz), 0 when that distance is >= 0.5; higher is better.
- `bleu`: sentence BLEU (sacrebleu, effective order) on a 0..1 scale; higher is better.
- `exact_match`: 1.0 when equal after normalisation without punctuation, else 0.0; higher is better.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vlmhyperbench.registry import Registry

ANLS_THRESHOLD = 0.5


def normalize_text(text: str, *, yo_to_e: bool = False, drop_punctuation: bool = False) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    if yo_to_e:
        text = text.replace("ё", "е")
    if drop_punctuation:
        text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
        return "".join(text.split())  # "123-456 789" -> "123456789": spacing is not content
    return " ".join(text.split())


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


@dataclass(frozen=True)
class MetricSpec:
    """A metric: `compute(reference, prediction)` per answer, `aggregate(values)` over a group."""

    name: str
    fn: Callable[[str, str], float]
    higher_is_better: bool
    description: str
    drop_punctuation: bool = False
    aggregate: Callable[[Sequence[float]], float] = _mean

    def compute(self, reference: str, prediction: str, *, yo_to_e: bool = False) -> float:
        ref = normalize_text(reference, yo_to_e=yo_to_e, drop_punctuation=self.drop_punctuation)
        pred = normalize_text(prediction, yo_to_e=yo_to_e, drop_punctuation=self.drop_punctuation)
        return float(self.fn(ref, pred))

    def better(self, a: float, b: float) -> bool:
        """True when value a is strictly better than b."""
        return a > b if self.higher_is_better else a < b


METRICS: Registry[MetricSpec] = Registry("metric")


def _error_rate(kind: str) -> Callable[[str, str], float]:
    def rate(reference: str, prediction: str) -> float:
        import jiwer

        if not reference:  # jiwer refuses an empty reference
            return 0.0 if not prediction else 1.0
        return float(jiwer.cer(reference, prediction) if kind == "cer" else jiwer.wer(reference, prediction))

    return rate


def _anls(reference: str, prediction: str) -> float:
    from rapidfuzz.distance import Levenshtein

    distance = Levenshtein.normalized_distance(reference, prediction)  # distance / max(len)
    return 1.0 - distance if distance < ANLS_THRESHOLD else 0.0


def _bleu(reference: str, prediction: str) -> float:
    import sacrebleu

    if not reference and not prediction:
        return 1.0
    score: float = sacrebleu.sentence_bleu(prediction, [reference]).score  # sacrebleu is untyped here
    return min(1.0, score / 100.0)


def _exact(reference: str, prediction: str) -> float:
    return 1.0 if reference == prediction else 0.0


for _spec in (
    MetricSpec("cer", _error_rate("cer"), False, "character error rate (jiwer)"),
    MetricSpec("wer", _error_rate("wer"), False, "word error rate (jiwer)"),
    MetricSpec("anls", _anls, True, f"average normalised Levenshtein similarity, threshold {ANLS_THRESHOLD}"),
    MetricSpec("bleu", _bleu, True, "sentence BLEU (sacrebleu), 0..1"),
    MetricSpec("exact_match", _exact, True, "exact match after normalisation, punctuation dropped", True),
):
    METRICS.add(_spec.name, _spec)


def get_metric(name: str) -> MetricSpec:
    return METRICS.get(name)


def score(
    reference: str, prediction: str, metrics: Sequence[str] | None = None, *, yo_to_e: bool = False
) -> dict[str, float]:
    """All (or the named) metrics of one answer."""
    specs = [METRICS.get(m) for m in metrics] if metrics else list(METRICS)
    return {spec.name: spec.compute(reference, prediction, yo_to_e=yo_to_e) for spec in specs}
