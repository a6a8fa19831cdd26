"""Page sorting: put the shuffled pages of one document back in reading order.

The dataset layout is upstream VLMHyperBench's (the page-sorting script of
VLMHyperBenchTeam/vlmhyperbench_playground and `bench_utils`): the pages of each document in a folder of
their own, numbered from 0 in the order they are shown, and one JSON per document whose `fields` hold, under
the document's class key, the shown page indices in reading order:

    <root>/images/<subset>/<doc_id>/0.jpg, 1.jpg, ...
    <root>/jsons/<doc_id>.json       {"fields": {"interest_free_loan_agreement": [2, 0, 3, 1]}}

The reference is that order 1-based (`3,1,4,2`), as upstream scores it; the model answers with
`{"ordered_pages": [3, 1, 4, 2]}` (or a bare list, or numbers in the text: `tasks.parse.parse_order`).
Upstream sends the pages as separate images; the engine interface (`engines.base.Query`) takes one image
per query, so the pages are tiled into one sheet, each under a large printed number 1..n (`sheet`).
Upstream expects exactly 4 pages; here any document of 2 pages or more is accepted. An item's id is
`<subset>/<doc_id>`.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from vlmhyperbench.data.synth import values as v
from vlmhyperbench.data.synth.documents import Document, Field
from vlmhyperbench.data.validate import Problem, check_image, escapes
from vlmhyperbench.tasks.base import Metric, Row, Task, TaskData, TaskItem, TaskScores, register_task
from vlmhyperbench.tasks.classification import IMAGE_SUFFIXES
from vlmhyperbench.tasks.metrics import is_permutation, ordering_scores
from vlmhyperbench.tasks.parse import parse_order

if TYPE_CHECKING:
    import PIL.Image

PAGE_NAME = re.compile(r"^(\d+)$")
PROMPT = (
    "На изображении {pages} страницы одного документа, перемешанные; над каждой страницей крупно напечатан "
    "её номер от 1 до {pages}. Определи правильный порядок чтения страниц. Ответь только JSON вида "
    '{"ordered_pages": [номера страниц в правильном порядке]}.'
)
SYNTH_CLASS = "interest_free_loan_agreement"  # upstream's multi-page document class
SYNTH_PAGES = 4
LABEL_HEIGHT = 64


def _natural(path: Path) -> tuple[int, int | str]:
    """Document folders 2 before 10, as upstream numbers them."""
    return (0, int(path.name)) if path.name.isdigit() else (1, path.name)


def _doc_dirs(root: Path) -> list[tuple[str, Path]]:
    images = root / "images"
    if not images.is_dir():
        return []
    return [
        (subset.name, doc)
        for subset in sorted(p for p in images.iterdir() if p.is_dir())
        for doc in sorted((p for p in subset.iterdir() if p.is_dir()), key=_natural)
    ]


def _page_files(doc: Path) -> tuple[list[Path], str | None]:
    """The document's pages in shown order, or why they cannot be used."""
    numbered: dict[int, Path] = {}
    for path in doc.iterdir():
        if path.name.startswith("."):  # .DS_Store and the like: not pages
            continue
        match = PAGE_NAME.match(path.stem)
        if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES or not match:
            return [], f"{path.name!r} is not a page image named by its number (0.jpg, 1.jpg, ...)"
        if int(match.group(1)) in numbered:
            return [], f"two files for page {int(match.group(1))}"
        numbered[int(match.group(1))] = path
    if sorted(numbered) != list(range(len(numbered))):
        return [], f"pages must be numbered 0..{len(numbered) - 1} without gaps, found {sorted(numbered)}"
    if len(numbered) < 2:
        return [], f"a document needs at least 2 pages to order, found {len(numbered)}"
    return [numbered[i] for i in range(len(numbered))], None


def _truth(root: Path, doc_id: str, pages: int) -> tuple[tuple[str, list[int]] | None, str | None]:
    """(doc class, 0-based shown indices in reading order) from jsons/<doc_id>.json, or the problem."""
    path = root / "jsons" / f"{doc_id}.json"
    if not path.is_file():
        return None, "file missing: every document folder needs its reading order here"
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not valid UTF-8 JSON: {exc}"
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        return None, "field 'fields': expected an object {doc class: [page order]}"
    orders = {k: v for k, v in fields.items() if isinstance(v, list)}
    if len(orders) != 1:
        return None, (
            f"field 'fields': expected exactly one doc class with a page-order list, found {len(orders)}"
            + (f" ({', '.join(orders)})" if orders else "")
        )
    ((doc_class, order),) = orders.items()
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in order) or sorted(order) != list(
        range(pages)
    ):
        return None, (
            f"field 'fields.{doc_class}': {order} is not an order of the {pages} pages 0..{pages - 1} "
            f"in images/*/{doc_id}/"
        )
    return (doc_class, order), None


def _stray_jsons(root: Path, docs: set[str]) -> list[Problem]:
    """A JSON file of jsons/ that no document folder reads but that does not parse is named, not ignored:
    it is most likely a document's order whose folder is misnamed."""
    problems = []
    folder = root / "jsons"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.stem in docs:
            continue
        try:
            json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(f"jsons/{path.name}", f"not valid UTF-8 JSON: {exc}"))
    return problems


@register_task
class Sorting(Task):
    name: ClassVar[str] = "sorting"
    description: ClassVar[str] = "the reading order of a document's shuffled pages (upstream's page sorting)"
    metrics: ClassVar[Mapping[str, Metric]] = {
        "kendall_tau": Metric(True, "Kendall rank correlation of the answered and true order, -1..1"),
        "spearman_rho": Metric(True, "Spearman rank correlation of the answered and true order, -1..1"),
        "exact_order": Metric(True, "share of documents put exactly in order"),
        "page_accuracy": Metric(True, "share of pages put in their right place (upstream's accuracy)"),
        "unparsed": Metric(False, "share of answers that are not an order of the pages (scored 0)"),
    }

    @staticmethod
    def looks_like(root: Path) -> bool:
        return (root / "jsons").is_dir() and (root / "images").is_dir()

    def check(self, root: Path) -> list[Problem]:
        if not root.is_dir():
            return [Problem(str(root), "not a folder")]
        problems = [
            Problem(f"{d}/", "folder missing") for d in ("images", "jsons") if not (root / d).is_dir()
        ]
        docs = _doc_dirs(root)
        if not problems and not docs:
            problems.append(
                Problem("images/", "no documents: expected images/<subset>/<doc_id>/0.jpg, 1.jpg, ...")
            )
        for _, doc in docs:
            rel = doc.relative_to(root).as_posix()
            pages, error = _page_files(doc)
            if error:
                problems.append(Problem(f"{rel}/", error))
                continue
            for page in pages:
                page_rel = page.relative_to(root).as_posix()
                if (bad := escapes(root, page, page_rel) or check_image(page, page_rel)) is not None:
                    problems.append(Problem(page_rel, bad))
            truth = root / "jsons" / f"{doc.name}.json"
            _, error = _truth(root, doc.name, len(pages))
            if error or (error := escapes(root, truth, f"jsons/{doc.name}.json")):
                problems.append(Problem(f"jsons/{doc.name}.json", error))
        return problems + _stray_jsons(root, {doc.name for _, doc in docs})

    def read(self, root: Path) -> TaskData:
        items = []
        for subset, doc in _doc_dirs(root):
            pages, _ = _page_files(doc)
            found, _ = _truth(root, doc.name, len(pages))
            assert found is not None  # `check` accepted the folder
            doc_class, order = found
            items.append(
                TaskItem(
                    id=f"{subset}/{doc.name}",
                    doc_class=doc_class,
                    split=subset,
                    images=tuple(p.relative_to(root).as_posix() for p in pages),
                    reference=",".join(str(i + 1) for i in order),
                )
            )
        return TaskData(root, items, {})

    def synthesize(
        self,
        out: Path,
        n: int,
        seed: int,
        doc_classes: Sequence[str] | None = None,
        degradation: str = "none",
        labels: str = "ours",
    ) -> TaskData:
        """`n` synthetic 4-page loan agreements, each page headed "страница k из 4", pages shuffled."""
        from vlmhyperbench.data.synth.degrade import degrade
        from vlmhyperbench.data.synth.render import render

        if doc_classes and list(doc_classes) != [SYNTH_CLASS]:
            from vlmhyperbench.errors import UsageError

            raise UsageError(f"the synthetic page-sorting set has one doc class: {SYNTH_CLASS}")
        (out / "jsons").mkdir(parents=True, exist_ok=True)
        for i in range(n):
            rng = random.Random(seed * 1_000_003 + i)
            pages = loan_agreement(rng)
            shown = list(range(len(pages)))
            while shown == sorted(shown):  # never hand the model the pages already in order
                rng.shuffle(shown)
            folder = out / "images" / "clean" / str(i)
            folder.mkdir(parents=True, exist_ok=True)
            for position, page in enumerate(shown):
                image, boxes = render(pages[page], rng)
                image, _ = degrade(image, boxes, degradation, seed=(seed * 1_000_003 + i) * 16 + position)
                image.save(folder / f"{position}.jpg", quality=92)
            order = [shown.index(page) for page in range(len(pages))]  # shown index of page 1, 2, ...
            record = {"fields": {SYNTH_CLASS: order}, "index": i}
            (out / "jsons" / f"{i}.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        return self.read(out)

    def prompt(self, data: TaskData, item: TaskItem, template: str | None) -> str:
        return (template or PROMPT).replace("{pages}", str(len(item.images)))

    def image(self, data: TaskData, item: TaskItem) -> PIL.Image.Image:
        from PIL import Image

        pages = []
        for rel in item.images:
            with Image.open(data.root / rel) as page:
                pages.append(page.convert("RGB"))
        return sheet(pages)

    def score(self, data: TaskData, items: Sequence[TaskItem], answers: Mapping[str, str]) -> TaskScores:
        rows: list[Row] = []
        for item in items:
            if item.id not in answers:
                continue
            truth = [int(p) for p in item.reference.split(",")]
            order = parse_order(answers[item.id], len(truth))
            rows.append(
                {
                    "id": item.id,
                    "doc_class": item.doc_class,
                    "split": item.split,
                    "answer": item.reference,
                    "model_answer": answers[item.id],
                    "predicted": ",".join(map(str, order)) if order else "",
                    **ordering_scores(truth, order),
                    "unparsed": float(not is_permutation(truth, order)),
                }
            )
        names = list(self.metrics)

        def mean_row(mine: list[Row]) -> Row:
            return {"count": len(mine), **{m: float(np.mean([r[m] for r in mine])) for m in names}}

        by_class = [
            {"doc_class": c, **mean_row([r for r in rows if r["doc_class"] == c])}
            for c in dict.fromkeys(r["doc_class"] for r in rows)
        ]
        general = mean_row(rows) if rows else {"count": 0}
        return TaskScores(rows, by_class, general)


def sheet(pages: Sequence[PIL.Image.Image]) -> PIL.Image.Image:
    """The pages tiled on one image (as square a grid as they make), each under its number 1..n."""
    from PIL import Image, ImageDraw

    from vlmhyperbench.data.synth.render import load_font

    width = max(p.width for p in pages)
    height = max(p.height for p in pages) + LABEL_HEIGHT
    columns = math.ceil(math.sqrt(len(pages)))
    rows = math.ceil(len(pages) / columns)
    canvas = Image.new("RGB", (columns * width, rows * height), "white")
    draw = ImageDraw.Draw(canvas)
    for number, page in enumerate(pages, start=1):
        x, y = ((number - 1) % columns) * width, ((number - 1) // columns) * height
        label = load_font(48, bold=True)
        draw.text((x + width // 2, y + 6), str(number), font=label, fill="black", anchor="mt")
        canvas.paste(page, (x, y + LABEL_HEIGHT))
    return canvas


def loan_agreement(rng: random.Random) -> list[Document]:
    """The 4 pages of a synthetic interest-free loan agreement, in reading order."""
    lender, borrower = v.random_person(rng), v.random_person(rng)
    signed = v.random_date(rng, date(2019, 1, 1), date(2025, 6, 30))
    due = v.random_date(rng, signed, date(2027, 12, 31))
    amount = v.format_rubles(rng.randint(10, 5_000) * 10_000)
    number = rng.randint(1, 999)
    title = f"ДОГОВОР БЕСПРОЦЕНТНОГО ЗАЙМА № {number}"

    def page(k: int, fields: list[tuple[str, str]]) -> Document:
        return Document(
            SYNTH_CLASS,
            title,
            f"страница {k} из {SYNTH_PAGES}",
            [Field(label, value) for label, value in fields],
            color=(52, 94, 140),
        )

    return [
        page(
            1,
            [
                ("Место и дата", f"г. Москва, {v.format_date_words(signed)}"),
                ("Займодавец", lender.full_name),
                ("Заёмщик", borrower.full_name),
                ("1. Предмет договора", "заём денежных средств"),
                ("Проценты", "не начисляются"),
            ],
        ),
        page(
            2,
            [
                ("2. Сумма займа, руб.", amount),
                ("Способ передачи", rng.choice(["наличными", "на банковский счёт"])),
                ("Срок передачи", "в течение 3 дней"),
            ],
        ),
        page(
            3,
            [
                ("3. Срок возврата", v.format_date(due)),
                ("Досрочный возврат", "допускается"),
                ("4. Ответственность", "по закону РФ"),
            ],
        ),
        page(
            4,
            [
                ("5. Подписи сторон", ""),
                ("Займодавец", f"{lender.surname} {lender.name[0]}.{lender.patronymic[0]}."),
                ("Заёмщик", f"{borrower.surname} {borrower.name[0]}.{borrower.patronymic[0]}."),
                ("Экземпляров", "два, по одному для каждой стороны"),
            ],
        ),
    ]
