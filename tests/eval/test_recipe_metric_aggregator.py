"""The "adding a metric" and "adding an aggregator" recipes of docs/architecture.md, through a real run.

Each registers a toy one for the length of the test (`Registry.added`), names it in the run config, and
scores a crafted answers file through `run_evaluation` (nothing is left to ask, so no model loads): the
metric reaches answers_by_id.csv, every aggregation and summary.json with its direction; the aggregator
writes its own table next to the others.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from vlmhyperbench.data import load_dataset
from vlmhyperbench.data.synth import synthesize
from vlmhyperbench.eval.aggregate import AGGREGATORS, Row
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.eval.metrics import METRICS, MetricSpec
from vlmhyperbench.evaluate import run_evaluation
from vlmhyperbench.runs import ANSWERS_FILE, RUN_FILE
from vlmhyperbench.runs.answers import AnswersWriter


def _digits_match(reference: str, prediction: str) -> float:
    """1.0 when the digits of both answers agree (a toy metric for numbers such as SNILS and INN)."""
    digits = [[c for c in text if c.isdigit()] for text in (reference, prediction)]
    return 1.0 if digits[0] == digits[1] else 0.0


def _by_first_letter(rows: list[Row], metrics: Sequence[str]) -> list[Row]:
    """A toy aggregator: one row per first letter of the document class, with its count."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row["doc_class"])[0], []).append(row)
    return [{"letter": key, "count": len(members)} for key, members in sorted(groups.items())]


def _scored_run(tmp_path: Path, config_update: dict[str, object]) -> Path:
    dataset = synthesize(tmp_path / "dataset", n=4, seed=3).root
    samples = load_dataset(dataset).samples
    out = tmp_path / "run"
    out.mkdir()
    answers = {s.id: (s.answer if i % 2 == 0 else "") for i, s in enumerate(samples)}
    config = RunConfig(model="crafted", dataset=dataset, out=out).model_copy(update=config_update)
    record = {"config": config.model_dump(mode="json"), "dataset": str(dataset)}  # as a first session writes
    (out / RUN_FILE).write_text(json.dumps(record), encoding="utf-8")
    with AnswersWriter(out / ANSWERS_FILE) as writer:
        writer.write_batch(list(answers), list(answers.values()))
    run_evaluation(config, resume=True, show_progress=False, report=True)
    return out


def test_a_new_metric_reaches_every_table_and_the_summary(tmp_path: Path) -> None:
    spec = MetricSpec("digits_match", _digits_match, True, "digits agree (toy)")
    with METRICS.added(spec.name, spec):
        out = _scored_run(tmp_path, {"metrics": ["cer", "digits_match"]})
    header = (out / "answers_by_id.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["metrics"]["digits_match"]["higher_is_better"] is True
    assert 0.0 < summary["general"]["digits_match"] < 1.0  # half the answers are right, half empty
    assert "digits_match" in (out / "report.md").read_text(encoding="utf-8")
    assert "digits_match" in header


def test_a_new_aggregator_writes_its_own_table(tmp_path: Path) -> None:
    with AGGREGATORS.added("by_first_letter", _by_first_letter):
        out = _scored_run(tmp_path, {"aggregators": ["by_id", "general", "by_first_letter"]})
    written = sorted(p.name for p in out.glob("answers_by_first_letter*"))
    assert written, sorted(p.name for p in out.iterdir())
    text = (out / written[0]).read_text(encoding="utf-8-sig")
    assert "letter" in text and "count" in text
