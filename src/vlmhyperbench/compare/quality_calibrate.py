"""How often does the quality gate cry wolf, and does it catch a real loss? Measured on seeded answer sets.

    python -m vlmhyperbench.compare.quality_calibrate --repeats 100

A "setting" here is a reader that misreads a share of the questions (each misread question gets a share of
its characters replaced); two seeds of the same setting are an A/A pair: the same quality, different
questions hit. Both answer sets are scored by the real metric code (`eval.aggregate.score_answers`) on a
synthetic dataset and compared with `compare_quality`. The false-alarm rate is the share of A/A pairs that
fail the gate; a second line reports how often any row is merely significant (threshold 0). The degraded
setting (every answer of one doc class misread) measures the catch rate.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from vlmhyperbench.compare.comparison import DEFAULT_CONFIDENCE, Verdict
from vlmhyperbench.compare.quality import (
    DEFAULT_QUALITY_THRESHOLD,
    QualityRun,
    compare_quality,
    run_from_rows,
)

MISREAD_CHARS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789"


def misread(text: str, rate: float, rng: random.Random) -> str:
    """Each character replaced by a random one with probability `rate` (at least one character)."""
    chars = list(text)
    if not chars:
        return text
    hits = [i for i in range(len(chars)) if rng.random() < rate] or [rng.randrange(len(chars))]
    for i in hits:
        chars[i] = rng.choice(MISREAD_CHARS)
    return "".join(chars)


def with_errors(answers: Mapping[str, str], ids: Iterable[str], rate: float, seed: int) -> dict[str, str]:
    """A copy of `answers` where the questions `ids` are misread (seeded: the same call, the same answers)."""
    rng = random.Random(seed)
    chosen = set(ids)
    return {key: misread(text, rate, rng) if key in chosen else text for key, text in answers.items()}


def noisy(answers: Mapping[str, str], share: float, rate: float, seed: int) -> dict[str, str]:
    """The setting "misreads `share` of the questions at `rate`"; which questions depends on the seed."""
    rng = random.Random(seed)
    ids = [key for key in answers if rng.random() < share]
    return with_errors(answers, ids, rate, seed + 1)


@dataclass(frozen=True)
class Calibration:
    repeats: int
    questions: int
    false_alarms: int  # A/A pairs that failed the gate
    any_significant: int  # A/A pairs with at least one significant row, whatever its size
    caught: int  # degraded pairs that failed the gate

    def lines(self) -> list[str]:
        n = self.repeats
        return [
            f"A/A, two seeds of the same setting, {self.questions} questions, {n} pairs:",
            f"  gate failed (false alarm): {self.false_alarms}/{n} = {self.false_alarms / n:.1%}",
            f"  any row significant:       {self.any_significant}/{n} = {self.any_significant / n:.1%}",
            f"degraded (one doc class misread): gate failed {self.caught}/{n} = {self.caught / n:.1%}",
        ]


def calibrate(
    dataset: Path,
    repeats: int = 100,
    share: float = 0.15,
    rate: float = 0.3,
    threshold: float = DEFAULT_QUALITY_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Calibration:
    from vlmhyperbench.data import load_dataset
    from vlmhyperbench.eval.aggregate import score_answers
    from vlmhyperbench.eval.metrics import METRICS

    samples = load_dataset(dataset).samples
    reference = {s.id: s.answer for s in samples}
    metrics = METRICS.names()
    doc_class = samples[0].doc_class

    def run(answers: dict[str, str], name: str) -> QualityRun:
        return run_from_rows(score_answers(samples, answers, metrics), metrics, name)

    false_alarms = any_significant = caught = 0
    for k in range(repeats):
        a = noisy(reference, share, rate, seed=4 * k)
        b = noisy(reference, share, rate, seed=4 * k + 2)
        aa = compare_quality(run(a, "a"), [run(b, "b")], threshold, confidence, intervals=False)
        false_alarms += aa.failed
        any_significant += any(d.verdict is not Verdict.UNCHANGED for d in aa.deltas)
        worse = with_errors(b, [s.id for s in samples if s.doc_class == doc_class], rate, seed=4 * k + 3)
        caught += compare_quality(
            run(a, "a"), [run(worse, "worse")], threshold, confidence, intervals=False
        ).failed
    return Calibration(repeats, len(samples), false_alarms, any_significant, caught)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--documents", type=int, default=12, help="synthetic documents (12: 57 questions)")
    parser.add_argument("--share", type=float, default=0.15, help="share of questions a setting misreads")
    parser.add_argument("--rate", type=float, default=0.3, help="share of characters misread in those")
    parser.add_argument("--dataset", type=Path, help="a dataset folder instead of the synthetic one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        dataset = args.dataset
        if dataset is None:
            from vlmhyperbench.data.synth import synthesize

            dataset = Path(tmp) / "dataset"
            synthesize(dataset, n=args.documents, seed=1)
        result = calibrate(dataset, args.repeats, args.share, args.rate)
    print("\n".join(result.lines()))


if __name__ == "__main__":
    main()
