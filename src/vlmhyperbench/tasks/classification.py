"""Document classification: which kind of document is on the page.

The dataset layout is upstream VLMHyperBench's (VLMHyperBenchTeam/vlmhyperbench_playground
`check_classification.py`, `config_classification.json`): one folder per class, its pages under a subset
folder (upstream's subsets: `clean`, `blur`, ...), optionally one folder deeper:

    <root>/<class>/images/<subset>/<page>.jpg
    <root>/<class>/images/<subset>/<group>/<page>.jpg
    <root>/document_classes.json     # optional: {"tin_new": "ИНН нового образца", "passport": "Паспорт"}

Upstream keeps `document_classes` (class key -> display name, in prompt order) in its run config; here the
dataset folder carries it, so a dataset says what its classes are. Without the file the classes are the
class folders, named by their keys. As upstream, the prompt numbers the classes ("0: Паспорт, 1: СНИЛС")
and the model answers with a number (a key or display name in the answer is accepted too, see
`tasks.parse.parse_class`). An item's id is its image path relative to the dataset folder.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from vlmhyperbench.data.validate import Problem, check_image, escapes
from vlmhyperbench.tasks.base import (
    Metric,
    Row,
    Task,
    TaskData,
    TaskItem,
    TaskScores,
    register_task,
)
from vlmhyperbench.tasks.metrics import NONE_LABEL, classification_scores, per_class_scores
from vlmhyperbench.tasks.parse import parse_class

if TYPE_CHECKING:
    import PIL.Image

CLASSES_FILE = "document_classes.json"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
# the synthetic classes' display names; with upstream labels `inn` is upstream's `tin_new`
DISPLAY_NAMES = {
    "passport": "Паспорт",
    "snils": "СНИЛС",
    "inn": "ИНН",
    "tin_new": "ИНН нового образца",
    "invoice": "Счёт на оплату",
}
PROMPT = (
    "Определи тип документа на изображении. Варианты: {classes}. "
    "Ответь только номером варианта, без пояснений."
)


def _class_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "images").is_dir())


def _read_classes(root: Path) -> tuple[dict[str, str] | None, list[Problem]]:
    path = root / CLASSES_FILE
    if not path.exists():
        return None, []
    try:
        found = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [Problem(CLASSES_FILE, f"not valid UTF-8 JSON: {exc}")]
    if not isinstance(found, dict) or not found:
        return None, [Problem(CLASSES_FILE, "expected a non-empty object {class key: display name}")]
    bad = [k for k, v in found.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        return None, [Problem(CLASSES_FILE, f"field {bad[0]!r}: expected a non-empty display name (string)")]
    return {str(k): str(v) for k, v in found.items()}, []


def _pages(class_dir: Path, root: Path) -> tuple[list[tuple[str, Path]], list[Problem]]:
    """(subset, image file) of every page of one class folder, and what is wrong there."""
    found: list[tuple[str, Path]] = []
    problems: list[Problem] = []
    for entry in sorted((class_dir / "images").iterdir()):
        rel = entry.relative_to(root).as_posix()
        if not entry.is_dir():
            problems.append(
                Problem(rel, "a page must sit in a subset folder: <class>/images/<subset>/<page>")
            )
            continue
        for path in sorted(entry.rglob("*")):
            if path.name.startswith("."):  # .DS_Store and the like: not pages
                continue
            if path.is_file() and len(path.relative_to(entry).parts) <= 2:
                if path.suffix.lower() in IMAGE_SUFFIXES:
                    found.append((entry.name, path))
                else:
                    problems.append(
                        Problem(path.relative_to(root).as_posix(), "not an image (.jpg, .png, ...)")
                    )
    return found, problems


@register_task
class Classification(Task):
    name: ClassVar[str] = "classification"
    description: ClassVar[str] = "which document class is on the page (upstream's document classification)"
    metrics: ClassVar[Mapping[str, Metric]] = {
        "accuracy": Metric(True, "share of pages classified right"),
        "f1": Metric(True, "F1 per class, averaged weighted by the class's pages"),
        "precision": Metric(True, "precision per class, averaged weighted by the class's pages"),
        "recall": Metric(True, "recall per class, averaged weighted by the class's pages"),
        "unparsed": Metric(False, "share of answers that name no class (scored as wrong)"),
    }

    @staticmethod
    def looks_like(root: Path) -> bool:
        return root.is_dir() and bool(_class_dirs(root))

    def check(self, root: Path) -> list[Problem]:
        if not root.is_dir():
            return [Problem(str(root), "not a folder")]
        classes, problems = _read_classes(root)
        dirs = _class_dirs(root)
        if not dirs:
            problems.append(
                Problem(str(root), "no class folders: expected <class>/images/<subset>/<page>.jpg")
            )
        for class_dir in dirs:
            if classes is not None and class_dir.name not in classes:
                problems.append(
                    Problem(
                        f"{class_dir.name}/",
                        f"class folder {class_dir.name!r} is not listed in {CLASSES_FILE} "
                        f"({', '.join(classes)})",
                    )
                )
            pages, found = _pages(class_dir, root)
            problems += found
            if not pages:
                problems.append(Problem(f"{class_dir.name}/images/", "no pages in any subset folder"))
            for _, path in pages:
                rel = path.relative_to(root).as_posix()
                error = escapes(root, path, rel) or check_image(path, rel)
                if error:
                    problems.append(Problem(rel, error))
        return problems

    def read(self, root: Path) -> TaskData:
        classes, _ = _read_classes(root)
        dirs = _class_dirs(root)
        if classes is None:
            classes = {d.name: d.name for d in dirs}
        items = [
            TaskItem(
                id=path.relative_to(root).as_posix(),
                doc_class=class_dir.name,
                split=subset,
                images=(path.relative_to(root).as_posix(),),
                reference=class_dir.name,
            )
            for class_dir in dirs
            for subset, path in _pages(class_dir, root)[0]
        ]
        return TaskData(root, items, classes)

    def synthesize(
        self,
        out: Path,
        n: int,
        seed: int,
        doc_classes: Sequence[str] | None = None,
        degradation: str = "none",
        labels: str = "ours",
    ) -> TaskData:
        """`n` pages of the synthetic document classes in turn, under `<class>/images/clean/`."""
        from vlmhyperbench.data.synth.degrade import degrade
        from vlmhyperbench.data.synth.documents import DOCUMENT_CLASSES
        from vlmhyperbench.data.synth.labels import UPSTREAM_DOC_CLASSES, relabel
        from vlmhyperbench.data.synth.render import render

        relabel("snils", "number", labels)  # an unknown label set fails before any file is written
        ours = list(doc_classes or DOCUMENT_CLASSES)
        key = {c: UPSTREAM_DOC_CLASSES[c] if labels == "upstream" else c for c in ours}
        for i in range(n):
            doc_class = ours[i % len(ours)]
            rng = random.Random(seed * 1_000_003 + i)
            image, boxes = render(DOCUMENT_CLASSES[doc_class](rng), rng)
            image, _ = degrade(image, boxes, degradation, seed=(seed * 1_000_003 + i) * 4 + 1)
            folder = out / key[doc_class] / "images" / "clean"
            folder.mkdir(parents=True, exist_ok=True)
            image.save(folder / f"{i:04d}.jpg", quality=92)
        names = {key[c]: DISPLAY_NAMES[key[c]] for c in ours}
        (out / CLASSES_FILE).write_text(
            json.dumps(names, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return self.read(out)

    def prompt(self, data: TaskData, item: TaskItem, template: str | None) -> str:
        listed = ", ".join(f"{i}: {name}" for i, name in enumerate(data.classes.values()))
        return (template or PROMPT).replace("{classes}", listed)

    def image(self, data: TaskData, item: TaskItem) -> PIL.Image.Image:
        from PIL import Image

        with Image.open(data.root / item.images[0]) as image:
            rgb: PIL.Image.Image = image.convert("RGB")
        return rgb

    def score(self, data: TaskData, items: Sequence[TaskItem], answers: Mapping[str, str]) -> TaskScores:
        answered = [i for i in items if i.id in answers]
        predicted = [parse_class(answers[i.id], data.classes) for i in answered]
        rows: list[Row] = [
            {
                "id": item.id,
                "doc_class": item.doc_class,
                "split": item.split,
                "answer": item.reference,
                "model_answer": answers[item.id],
                "predicted": pred if pred is not None else NONE_LABEL,
                "accuracy": float(pred == item.reference),
                "unparsed": float(pred is None),
            }
            for item, pred in zip(answered, predicted, strict=True)
        ]
        truth = [i.reference for i in answered]
        general: Row = {
            "count": len(rows),
            **classification_scores(truth, predicted),
            "unparsed": sum(r["unparsed"] for r in rows) / len(rows) if rows else 0.0,
        }
        per_class = per_class_scores(truth, predicted)
        by_class = []
        for doc_class in [c for c in data.classes if c in truth]:
            mine = [r for r in rows if r["doc_class"] == doc_class]
            scores = per_class[doc_class]
            by_class.append(
                {
                    "doc_class": doc_class,
                    "count": len(mine),
                    "accuracy": scores["recall"],  # within one class: the share of its pages named right
                    "f1": scores["f1"],
                    "precision": scores["precision"],
                    "recall": scores["recall"],
                    "unparsed": sum(r["unparsed"] for r in mine) / len(mine),
                }
            )
        return TaskScores(rows, by_class, general)
