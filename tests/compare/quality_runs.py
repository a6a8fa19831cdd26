"""Quality run folders made by the real pipeline: answers written to answers.csv, then scored by
`run_evaluation(..., resume=True)` (nothing left to ask, so no model is loaded: the real metric code scores
them and writes answers_by_id.csv and summary.json), and a seeded way to inject reading errors."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path

from vlmhyperbench.data import load_dataset
from vlmhyperbench.eval.answers import AnswersWriter
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.eval.run import ANSWERS_FILE, run_evaluation

CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789"


def reference_answers(dataset: Path) -> dict[str, str]:
    return {s.data_index: s.answer for s in load_dataset(dataset).samples}


def misread(text: str, rate: float, rng: random.Random) -> str:
    """Each character replaced by a random one with probability `rate` (at least one when rate > 0)."""
    chars = list(text)
    hits = [i for i in range(len(chars)) if rng.random() < rate] or ([rng.randrange(len(chars))] if chars else [])
    for i in hits:
        chars[i] = rng.choice(CYRILLIC)
    return "".join(chars)


def with_errors(answers: Mapping[str, str], ids: Iterable[str], rate: float, seed: int) -> dict[str, str]:
    """A copy of `answers` where the questions `ids` are misread (seeded, so the same call gives the same)."""
    rng = random.Random(seed)
    chosen = set(ids)
    return {key: misread(text, rate, rng) if key in chosen else text for key, text in answers.items()}


def noisy(answers: Mapping[str, str], share: float, rate: float, seed: int) -> dict[str, str]:
    """A setting that misreads a random `share` of the questions (which ones depends on the seed)."""
    rng = random.Random(seed)
    ids = [key for key in answers if rng.random() < share]
    return with_errors(answers, ids, rate, seed + 1)


def scored_run(dataset: Path, out: Path, answers: Mapping[str, str], model: str = "crafted") -> Path:
    """A run folder whose answers are `answers`, scored through `run_evaluation`."""
    out.mkdir(parents=True)
    with AnswersWriter(out / ANSWERS_FILE) as writer:
        writer.write_batch(list(answers), list(answers.values()))
    config = RunConfig(model=model, dataset=dataset, out=out)
    run_evaluation(config, resume=True, show_progress=False, report=False)
    return out
