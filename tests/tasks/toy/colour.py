"""The toy task of docs/architecture.md's "Adding a task" recipe: one module, nothing else edited.

Pages filled with one colour, named `<colour>_<n>.png`; the answer is the colour's name, scored per page
(`right`: 1 or 0), so the quality gate can compare two runs. `tests/tasks/test_recipe_task.py` imports
this module before the real CLI starts, as `vlmhyperbench.tasks` imports a module placed in its folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image

from vlmhyperbench.data.validate import Problem
from vlmhyperbench.tasks import Metric, Task, TaskData, TaskItem, TaskScores, register_task

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


@register_task
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

    def synthesize(self, out: Path, n: int, seed: int, *options: Any, **named: Any) -> TaskData:
        """Plain pages, cycling through the colours (no classes to choose, no degradation)."""
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
        by_colour = [
            {"doc_class": c, "count": len(mine), "right": sum(r["right"] for r in mine) / len(mine)}
            for c in COLOURS
            if (mine := [r for r in rows if r["doc_class"] == c])
        ]
        return TaskScores(rows, by_colour, general)
