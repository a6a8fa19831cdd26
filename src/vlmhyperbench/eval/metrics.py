"""Per-answer metrics, each a frozen spec that carries its direction.

Normalisation (the `default` scoring profile; applied to both reference and prediction before every metric):
Unicode NFKC except `№` (NFKC would turn it into the two letters "No", so "№ 89" against "89" would count
three edits instead of two), lower case (a model that writes ИВАНОВ for Иванов has read the name), every run
of whitespace, non-breaking spaces and line breaks included, collapsed to one space, leading/trailing space
removed, and with `yo_to_e=True` the letter `ё` read as `е`. Exact match also drops punctuation (Unicode
categories P* and S*, so "123-456-789 01" equals "12345678901" and "«Вектор»" equals "Вектор").

- `cer`, `wer`: character / word error rate (jiwer), 0 is perfect, lower is better; can exceed 1.
- `anls`: 1 - normalised Levenshtein distance (rapidfuzz), 0 when that distance is >= 0.5; higher is better.
- `bleu`: sentence BLEU (sacrebleu, effective order) on a 0..1 scale (sacrebleu's 0..100 divided by 100);
  higher is better.
- `exact_match`: 1.0 when equal after normalisation without punctuation, else 0.0; higher is better.

An empty reference (a field that is not on the document, e.g. a passport without a patronymic; `data check`
counts them) is scored like any other, with no division by zero: an empty answer to it is correct (CER and
WER 0, ANLS, BLEU and exact match 1); a non-empty one is wrong by its full length: CER and WER 1 for the row,
and every character (word) of it counts as an edit in the group's corpus rate, where the empty reference adds
nothing to the length (a group whose every reference is empty has rate 1 if anything was written, else 0);
ANLS, BLEU and exact match 0. `--scoring upstream` keeps upstream's behaviour: pandas reads the empty cell as
the text "nan", and that is the reference (eval/upstream.py).

A group of answers (a doc class, a whole run) has two values per metric: `corpus` (the figure reported as
the metric: CER/WER as total edits over total reference length, BLEU as sacrebleu's corpus BLEU, the others
the mean) and the per-row mean (`<metric>_row_mean` in the tables). They differ when answers differ in length:
a long answer read badly weighs more in the corpus rate, as in upstream VLMHyperBench and jiwer's lists.
Metric names are case-insensitive (`CER` is `cer`).
"""

from __future__ import annotations

import statistics
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vlmhyperbench.registry import Registry

ANLS_THRESHOLD = 0.5


NUMERO_SIGN = "\u2116"  # №


def normalize_text(text: str, *, yo_to_e: bool = False, drop_punctuation: bool = False) -> str:
    text = NUMERO_SIGN.join(unicodedata.normalize("NFKC", part) for part in text.split(NUMERO_SIGN)).lower()
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
    """A metric: `compute(reference, prediction)` per answer, `aggregate(values)` (row mean) and
    `compute_corpus(references, predictions)` (the group's figure) over a group."""

    name: str
    fn: Callable[[str, str], float]
    higher_is_better: bool
    description: str
    drop_punctuation: bool = False
    aggregate: Callable[[Sequence[float]], float] = _mean
    corpus: Callable[[Sequence[str], Sequence[str]], float] | None = None  # None: the mean of the rows

    def _normalize(self, text: str, yo_to_e: bool) -> str:
        return normalize_text(text, yo_to_e=yo_to_e, drop_punctuation=self.drop_punctuation)

    def compute(self, reference: str, prediction: str, *, yo_to_e: bool = False) -> float:
        return float(self.fn(self._normalize(reference, yo_to_e), self._normalize(prediction, yo_to_e)))

    def compute_corpus(
        self, references: Sequence[str], predictions: Sequence[str], *, yo_to_e: bool = False
    ) -> float:
        """The group's figure: a corpus-level rate where the metric has one, else the mean of the rows."""
        refs = [self._normalize(r, yo_to_e) for r in references]
        preds = [self._normalize(p, yo_to_e) for p in predictions]
        if self.corpus is None:
            return self.aggregate([float(self.fn(r, p)) for r, p in zip(refs, preds, strict=True)])
        return float(self.corpus(refs, preds)) if refs else float("nan")

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


def _corpus_rate(split: Callable[[str], Sequence[str]]) -> Callable[[Sequence[str], Sequence[str]], float]:
    """Total edits over total reference length (jiwer's figure for lists), on characters or words."""

    def rate(references: Sequence[str], predictions: Sequence[str]) -> float:
        from rapidfuzz.distance import Levenshtein

        edits: int = sum(
            int(Levenshtein.distance(split(r), split(p)))
            for r, p in zip(references, predictions, strict=True)
        )
        length = sum(len(split(r)) for r in references)
        if not length:  # every reference empty: as per answer, right when nothing was written
            return 0.0 if not edits else 1.0
        return edits / length

    return rate


def _corpus_bleu(references: Sequence[str], predictions: Sequence[str]) -> float:
    """Corpus BLEU with effective order, as the per-answer BLEU: a group of short answers (dates, numbers,
    fewer than four words) has no 4-grams, and plain BLEU would score it 0 even when every answer is exact."""
    from sacrebleu.metrics.bleu import BLEU

    if not any(references) and not any(predictions):
        return 1.0
    found = BLEU(effective_order=True).corpus_score(list(predictions), [list(references)])
    return min(1.0, float(found.score) / 100.0)


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
    MetricSpec("cer", _error_rate("cer"), False, "character error rate (jiwer)", corpus=_corpus_rate(list)),
    MetricSpec("wer", _error_rate("wer"), False, "word error rate (jiwer)", corpus=_corpus_rate(str.split)),
    MetricSpec("anls", _anls, True, f"average normalised Levenshtein similarity, threshold {ANLS_THRESHOLD}"),
    MetricSpec(
        "bleu", _bleu, True, "BLEU (sacrebleu), 0..1: sacrebleu's 0..100 divided by 100", corpus=_corpus_bleu
    ),
    MetricSpec("exact_match", _exact, True, "exact match after normalisation, punctuation dropped", True),
):
    METRICS.add(_spec.name, _spec)


def get_metric(name: str) -> MetricSpec:
    """The metric called `name`, in any case (`CER` is `cer`)."""
    return METRICS.get(name.lower())


def score(
    reference: str, prediction: str, metrics: Sequence[str] | None = None, *, yo_to_e: bool = False
) -> dict[str, float]:
    """All (or the named) metrics of one answer."""
    specs = [get_metric(m) for m in metrics] if metrics else list(METRICS)
    return {spec.name: spec.compute(reference, prediction, yo_to_e=yo_to_e) for spec in specs}
