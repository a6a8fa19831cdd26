"""The "adding a task" recipe of docs/architecture.md: a toy task, registered by name, runs through the real
run folder, engine loop, scoring and report, and `data check`/`data synth --task` find it.

The toy task is small and real: pages filled with one colour, named `<colour>_<n>.png`; the answer is the
colour's name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.tasks.scripted import ScriptedEngine
from vlmhyperbench.cli import app
from vlmhyperbench.data.validate import Problem
from vlmhyperbench.eval.config import RunConfig, SynthSettings
from vlmhyperbench.eval.run import run_evaluation
from vlmhyperbench.tasks import TASKS, Metric, Task, TaskData, TaskItem, TaskScores, register_task

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


class Colour(Task):
    name: ClassVar[str] = "colour"
    description: ClassVar[str] = "the colour of a plain page"
    metrics: ClassVar[Mapping[str, Metric]] = {"right": Metric(True, "share of colours named right")}

    def check(self, root: Path) -> list[Problem]:
        return [
            Problem(p.name, "expected <colour>_<n>.png")
            for p in sorted(root.iterdir())
            if p.suffix == ".png" and p.name.split("_")[0] not in COLOURS
        ]

    def read(self, root: Path) -> TaskData:
        items = [
            TaskItem(p.stem, p.name.split("_")[0], "all", (p.name,), p.name.split("_")[0])
            for p in sorted(root.glob("*.png"))
        ]
        return TaskData(root, items)

    def synthesize(
        self,
        out: Path,
        n: int,
        seed: int,
        doc_classes: Sequence[str] | None = None,
        degradation: str = "none",
        labels: str = "ours",
    ) -> TaskData:
        for i in range(n):
            colour = list(COLOURS)[i % len(COLOURS)]
            Image.new("RGB", (32, 32), COLOURS[colour]).save(out / f"{colour}_{i}.png")
        return self.read(out)

    def prompt(self, data: TaskData, item: TaskItem, template: str | None) -> str:
        return "Which colour?"

    def image(self, data: TaskData, item: TaskItem) -> Any:
        return Image.open(data.root / item.images[0]).convert("RGB")

    def score(self, data: TaskData, items: Sequence[TaskItem], answers: Mapping[str, str]) -> TaskScores:
        rows: list[dict[str, Any]] = [
            {
                "id": i.id,
                "doc_class": i.doc_class,
                "answer": i.reference,
                "model_answer": answers[i.id],
                "right": float(answers[i.id] == i.reference),
            }
            for i in items
            if i.id in answers
        ]
        general = {"count": len(rows), "right": sum(r["right"] for r in rows) / len(rows)}
        return TaskScores(rows, [], general)


@pytest.fixture
def colour() -> Iterator[type[Task]]:
    register_task(Colour)
    yield Colour
    TASKS.remove(Colour.name)


def test_a_new_task_runs_through_the_pipeline(
    colour: type[Task], scripted: type[ScriptedEngine], tmp_path: Path
) -> None:
    runner = CliRunner()
    made = runner.invoke(
        app, ["data", "synth", "--task", "colour", "--out", str(tmp_path / "set"), "--n", "3"]
    )
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["data", "check", str(tmp_path / "set"), "--task", "colour"])
    assert checked.exit_code == 0 and "colour, 3 items" in checked.output

    scripted.script = ["red", "blue", "blue"]  # items in file order: blue_2, green_1, red_0
    config = RunConfig(task="colour", model="scripted:x", out=tmp_path / "run", synth=SynthSettings(n=3))
    result = run_evaluation(config, show_progress=False)
    assert result.summary["general"] == pytest.approx({"count": 3, "right": 0.0})
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["metrics"] == {
        "right": {"higher_is_better": True, "description": "share of colours named right"}
    }
    assert "| task | colour |" in (tmp_path / "run" / "report.md").read_text(encoding="utf-8")


def test_an_unknown_task_lists_the_tasks(tmp_path: Path) -> None:
    listed = "Unknown task 'nope'. Available: qa, classification, sorting, docvqa, infovqa, chartqa"
    result = CliRunner().invoke(app, ["run", "--task", "nope", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and listed in result.output
    with pytest.raises(ValueError, match=re.escape(listed)):
        RunConfig(task="nope")
