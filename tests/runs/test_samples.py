"""samples.jsonl through the real pipeline: one scored line per answer, written as answers arrive, right
after a crash (a torn last line) and a `--resume`: nothing lost, nothing twice."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.tasks.scripted import ScriptedEngine
from vlmhyperbench.data import load_dataset
from vlmhyperbench.data.synth import synthesize
from vlmhyperbench.engines import ENGINES, Generation, Query
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.evaluate import run_evaluation
from vlmhyperbench.runs.answers import read_answers
from vlmhyperbench.tasks import get_task
from vlmhyperbench.tasks.synth import synthesize_task


class CutShort(ScriptedEngine):
    """The scripted engine, stopped by a "power cut" after `batches` batches."""

    name = "cutshort"
    batches: ClassVar[int] = 99

    def measure(self, queries: Sequence[Query], generation: Generation, prepared: Any = None) -> Any:
        self.done = getattr(self, "done", 0) + 1
        if self.done > self.batches:
            raise RuntimeError("power cut")
        return super().measure(queries, generation, prepared)


@pytest.fixture
def engine() -> Iterator[type[CutShort]]:
    with ENGINES.added(CutShort.name, CutShort):
        yield CutShort


def samples(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()]


def test_a_crash_and_a_resume_leave_one_line_per_answer(engine: type[CutShort], tmp_path: Path) -> None:
    data = synthesize_task("classification", tmp_path / "set", n=6, seed=1)
    truth = [i.reference for i in data.items]
    config = RunConfig(
        task="classification",
        model="cutshort:x",
        dataset=tmp_path / "set",
        out=tmp_path / "run",
        batch_size=2,
    )
    engine.script, engine.batches = truth[:4], 2
    with pytest.raises(RuntimeError, match="power cut"):
        run_evaluation(config, show_progress=False, report=False)
    assert [s["id"] for s in samples(tmp_path / "run")] == [i.id for i in data.items[:4]]
    with (tmp_path / "run" / "samples.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "' + data.items[4].id + '", "task": "classif')  # a line the crash cut short

    engine.script, engine.batches = truth[4:], 99
    run_evaluation(config, resume=True, show_progress=False, report=False)
    found = samples(tmp_path / "run")
    assert [s["id"] for s in found] == list(read_answers(tmp_path / "run" / "answers.csv"))
    assert len(found) == len({s["id"] for s in found}) == 6
    task = get_task("classification")
    for line, item in zip(found, data.items, strict=True):
        assert line["task"] == "classification" and line["prompt"] == task.prompt(data, item, None)
        assert line["answer"] == item.reference == line["reference"]
        assert line["scores"] == {"accuracy": 1, "f1": None, "precision": None, "recall": None, "unparsed": 0}
        assert line["groups"] == {"doc_class": item.doc_class, "split": item.split}
        assert line["latency_s"] > 0


def test_question_answering_lines_carry_each_metric_and_group(engine: type[CutShort], tmp_path: Path) -> None:
    dataset = synthesize(tmp_path / "set", n=2, seed=1).root
    questions = load_dataset(dataset).samples
    engine.script, engine.batches = [q.answer if i % 2 else "?" for i, q in enumerate(questions)], 99
    config = RunConfig(
        model="cutshort:x", dataset=dataset, out=tmp_path / "run", metrics=["cer", "exact_match"]
    )
    run_evaluation(config, show_progress=False, report=False)
    found = samples(tmp_path / "run")
    assert [s["id"] for s in found] == [q.id for q in questions]
    for i, (line, question) in enumerate(zip(found, questions, strict=True)):
        assert line["task"] == "qa" and line["prompt"].strip()
        assert line["reference"] == question.answer
        assert line["scores"]["exact_match"] == (1.0 if i % 2 else 0.0) and set(line["scores"]) == {
            "cer",
            "exact_match",
        }
        assert line["groups"] == {
            "doc_class": question.doc_class,
            "question_type": question.question_type,
            "split": question.split,
        }
    by_id = (tmp_path / "run" / "answers_by_id.csv").read_text(encoding="utf-8")
    assert by_id.count("\n") == len(found) + 1  # the tables and the samples agree on what was answered

    run_evaluation(
        config.model_copy(update={"out": tmp_path / "run"}), resume=True, show_progress=False, report=False
    )
    assert samples(tmp_path / "run") == found  # a resume with nothing to ask adds nothing
