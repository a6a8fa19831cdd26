"""Tesseract OCR as a baseline engine: `tesseract:rus`, `tesseract:rus+eng` (the part after `:` is `-l`).

It answers a question by reading the question's `answer_bbox` region of the page, one text line
(`--psm 7`). That is an *oracle-layout* baseline: the dataset tells it where the answer is, which no
VLM is told, so its numbers are an upper bound for classic OCR on the page, not a fair head-to-head;
every report of it must say so (`ORACLE_NOTE`). A question without a bbox cannot be answered by this
engine: `answerable()` is False and a run leaves it out and counts it, never scoring it as an empty answer.

Binding: pytesseract, a pure-Python driver of the `tesseract` binary. It works with whatever Debian
(or any OS) installs: `apt-get install tesseract-ocr tesseract-ocr-rus`, with that package's own
traineddata. tesserocr (the C API) would save one process start per crop (~30 ms) but ties the wheel
to one libtesseract ABI: its PyPI wheels bundle their own libtesseract build, and then the tessdata
files and version the user installed are not the ones it reads. The process start is a constant cost
that the speed figures (pages/s, questions/s) show as it is.

`TesseractEngine` is the registered engine (`--model tesseract:rus` in `run`); `answer_questions` reads a
dataset page by page without the run machinery (the tests and the degradation study use it).
No torch: this module only needs Pillow and pytesseract.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vlmhyperbench.engines.base import Engine, EngineConfig, Generation, LoadOptions, Query
from vlmhyperbench.engines.registry import register_engine
from vlmhyperbench.errors import ModelLoadError, UsageError

if TYPE_CHECKING:
    from PIL import Image

    from vlmhyperbench.data.annotation import Dataset, Sample
    from vlmhyperbench.perf.measurement import GenerationMeasurement

PREFIX = "tesseract"
ORACLE_NOTE = (
    "Tesseract is an oracle-layout baseline: it reads each question's answer_bbox region, "
    "a location no VLM is given."
)
INSTALL_HINT = "install it with: apt-get install tesseract-ocr tesseract-ocr-rus"


class TesseractError(ModelLoadError):
    """A bad `tesseract:` spec or a missing binary/language; the message says what to do."""


@dataclass(frozen=True)
class TesseractSpec:
    """What `tesseract:LANGS` asks for, plus the page segmentation mode and the padding around a box."""

    langs: str = "rus"
    psm: int = 7  # one text line: every answer_bbox holds a single line
    pad: int = 6  # pixels added around the box: glyph edges sit on the textbbox border
    # Tesseract reads best with capitals ~30 px high ("Improving the quality of the output" in its docs);
    # the synthetic answers are ~12 px: doubling cut the clean-page CER ~4x on a 24-document set.
    scale: int = 2

    @property
    def name(self) -> str:
        return f"{PREFIX}:{self.langs}"

    @property
    def config(self) -> str:
        # The DAWG dictionaries push names and numbers towards Russian words; answers are fields, not prose.
        return f"--psm {self.psm} -c load_system_dawg=0 -c load_freq_dawg=0"


def is_tesseract(model: str) -> bool:
    return model == PREFIX or model.startswith(PREFIX + ":")


def parse_spec(model: str) -> TesseractSpec:
    """`tesseract:rus+eng` -> TesseractSpec(langs='rus+eng'); a bare `tesseract` means `rus`."""
    if not is_tesseract(model):
        raise TesseractError(
            f"not a Tesseract spec: {model!r} (expected tesseract:LANGS, e.g. tesseract:rus)"
        )
    langs = model.partition(":")[2] or "rus"
    parts = langs.split("+")
    if any(not p or not p.replace("_", "").isalnum() for p in parts):
        raise TesseractError(f"{model!r}: languages must be names joined by '+', e.g. tesseract:rus+eng")
    return TesseractSpec(langs=langs)


def binary_available() -> bool:
    return shutil.which("tesseract") is not None


def check_installed(spec: TesseractSpec) -> str:
    """The Tesseract version; raises TesseractError naming the missing binary or language pack."""
    import pytesseract

    if not binary_available():
        raise TesseractError(f"the tesseract binary is not on PATH; {INSTALL_HINT}")
    have = set(pytesseract.get_languages(config=""))
    missing = [lang for lang in spec.langs.split("+") if lang not in have]
    if missing:
        raise TesseractError(
            f"Tesseract has no language {missing[0]!r} (installed: {', '.join(sorted(have))}); "
            f"install it with: apt-get install tesseract-ocr-{missing[0]}"
        )
    return str(pytesseract.get_tesseract_version())


def answerable(sample: Sample) -> bool:
    """Whether this engine can answer the row: it needs the answer's box."""
    return bool(sample.answer_bbox.strip())


def crop(image: Image.Image, box: tuple[int, int, int, int], pad: int) -> Image.Image:
    """The box grown by `pad` pixels, clipped to the page."""
    x0, y0, x1, y1 = box
    width, height = image.size
    return image.crop((max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)))


def read_region(image: Image.Image, box: tuple[int, int, int, int], spec: TesseractSpec) -> str:
    """The text Tesseract reads in `box` of `image`, whitespace collapsed."""
    import pytesseract

    region = crop(image, box, spec.pad)
    if spec.scale != 1:
        from PIL import Image

        region = region.resize(
            (region.width * spec.scale, region.height * spec.scale), Image.Resampling.LANCZOS
        )
    text = pytesseract.image_to_string(region, lang=spec.langs, config=spec.config)
    return " ".join(text.split())


@dataclass
class OcrMeasurement:
    """What reading one page's questions took: pages/s and questions/s derive from these raw values."""

    pages: int
    questions: int
    latency_s: float

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.latency_s

    @property
    def questions_per_s(self) -> float:
        return self.questions / self.latency_s


@dataclass
class OcrAnswers:
    """Answers by question id, the ids the engine cannot answer, and one measurement per page."""

    answers: dict[str, str] = field(default_factory=dict)
    not_answerable: list[str] = field(default_factory=list)
    measurements: list[OcrMeasurement] = field(default_factory=list)

    def speed(self) -> dict[str, float]:
        """Totals over the pages read: pages/s and questions/s of the whole run (image loading excluded)."""
        seconds = sum(m.latency_s for m in self.measurements)
        pages = sum(m.pages for m in self.measurements)
        questions = sum(m.questions for m in self.measurements)
        if seconds <= 0:
            return {"pages": pages, "questions": questions, "seconds": 0.0}
        return {
            "pages": pages,
            "questions": questions,
            "seconds": seconds,
            "pages_per_s": pages / seconds,
            "questions_per_s": questions / seconds,
        }


def by_page(samples: Iterable[Sample]) -> dict[str, list[Sample]]:
    """Samples grouped by image, in first-seen order: each page is opened once."""
    pages: dict[str, list[Sample]] = {}
    for sample in samples:
        pages.setdefault(sample.image_path, []).append(sample)
    return pages


def answer_questions(dataset: Dataset, samples: Sequence[Sample], spec: TesseractSpec) -> OcrAnswers:
    """Read every answerable question's box, page by page; rows without a box are listed, not answered."""
    result = OcrAnswers()
    result.not_answerable = [s.id for s in samples if not answerable(s)]
    for page in by_page(s for s in samples if answerable(s)).values():
        image = dataset.load_image(page[0])
        boxes = [s.bbox for s in page]
        started = time.perf_counter()
        texts = [read_region(image, box, spec) for box in boxes if box is not None]
        result.measurements.append(OcrMeasurement(1, len(page), time.perf_counter() - started))
        result.answers.update(zip((s.id for s in page), texts, strict=True))
    return result


@register_engine
class TesseractEngine(Engine):
    """`tesseract:LANGS`: one-line OCR of each query's `bbox`; an oracle-layout baseline (`ORACLE_NOTE`)."""

    name = PREFIX
    needs_bbox = True

    def __init__(self, spec: str, options: LoadOptions | None = None) -> None:
        super().__init__(spec, options)
        self.settings = parse_spec(spec)
        self.version: str | None = None

    def load(self) -> None:
        self.version = check_installed(self.settings)

    def measure(
        self, queries: Sequence[Query], generation: Generation, prepared: Any = None
    ) -> GenerationMeasurement:
        from vlmhyperbench.perf.measurement import GenerationMeasurement

        boxes = [q.bbox for q in queries]
        if any(box is None for box in boxes):
            raise UsageError("tesseract reads the answer_bbox region: every question it is asked needs one")
        started = time.perf_counter()
        texts = [
            read_region(q.image, box, self.settings) for q, box in zip(queries, boxes, strict=True) if box
        ]
        latency = max(time.perf_counter() - started, 1e-9)
        return GenerationMeasurement(
            texts=texts,
            input_tokens=None,
            output_tokens=None,
            ttft_s=None,
            latency_s=latency,
            images=len(queries),  # one crop read per question
            new_tokens=generation.max_new_tokens,
            fixed_length=False,
        )

    def config(self) -> EngineConfig:
        return EngineConfig(engine=self.name, preset=self.settings.name, model=self.spec, device="cpu")

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "model": self.settings.name,
            "device": "cpu",
            "dtype": "-",
            "tesseract": self.version,
            "languages": self.settings.langs,
            "tesseract_config": self.settings.config,
            "binding": "pytesseract",
            "note": ORACLE_NOTE,
        }
