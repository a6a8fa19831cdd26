"""Recipe "Adding an engine": one class, registered by name, runs through the real quality and speed paths.

The toy engine is real and tiny: it answers each question with the mean grey level of the question's
answer region (the whole page when the row has none), so its answers can be checked independently. It
has no tokens, so every token figure must come out absent (None), never 0.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageStat

from vlmhyperbench.data import load_dataset
from vlmhyperbench.data.synth import synthesize
from vlmhyperbench.engines import (
    ENGINES,
    Engine,
    EngineConfig,
    Generation,
    Query,
    create_engine,
    engine_name,
    register_engine,
)
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.registry import UnknownNameError

pytest.importorskip("torch")  # the speed summaries live in vlmhyperbench.perf


def grey_level(image: Any, bbox: tuple[int, int, int, int] | None) -> str:
    region = image.crop(bbox) if bbox is not None else image
    return str(round(ImageStat.Stat(region.convert("L")).mean[0]))


class PixelEngine(Engine):
    """`pixels:grey`: the mean grey level of the answer region, as text."""

    name = "pixels"

    def load(self) -> None:
        self.loaded = True

    def measure(self, queries: Sequence[Query], generation: Generation, prepared: Any = None) -> Any:
        from vlmhyperbench.perf import GenerationMeasurement

        start = time.perf_counter()
        texts = [grey_level(q.image, q.bbox) for q in queries]
        return GenerationMeasurement(
            texts=texts,
            input_tokens=None,
            output_tokens=None,
            ttft_s=None,
            latency_s=max(time.perf_counter() - start, 1e-9),
            images=len(queries),
            new_tokens=generation.max_new_tokens,
            fixed_length=generation.fixed_length,
        )

    def config(self) -> EngineConfig:
        return EngineConfig(engine=self.name, preset=self.spec.partition(":")[2], model=self.spec)

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "model": self.spec, "pillow": True}


@pytest.fixture
def pixels() -> Iterator[type[Engine]]:
    register_engine(PixelEngine)
    yield PixelEngine
    ENGINES.remove(PixelEngine.name)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset")
    synthesize(root, n=2, seed=0, doc_classes=["snils", "inn"])
    return root


def test_the_spec_selects_the_engine(pixels: type[Engine]) -> None:
    assert engine_name("pixels:grey") == "pixels"
    assert isinstance(create_engine("pixels:grey"), PixelEngine)
    assert engine_name("dummy:tiny-llava") == engine_name("org/model") == "hf"
    with pytest.raises(UnknownNameError, match=r"Unknown engine 'pixel' .*Available: hf:\.\.\., .*pixels:"):
        create_engine("pixel:grey")


def test_a_new_engine_runs_the_quality_pipeline(pixels: type[Engine], dataset: Path, tmp_path: Path) -> None:
    from vlmhyperbench.evaluate import run_evaluation

    config = RunConfig(model="pixels:grey", dataset=dataset, out=tmp_path / "run", batch_size=3)
    result = run_evaluation(config, show_progress=False)

    data = load_dataset(dataset)
    expected = {s.id: grey_level(data.load_image(s), s.bbox) for s in data.samples}
    with result.answers_file.open(encoding="utf-8") as handle:
        answers = dict(list(csv.reader(handle, delimiter=";"))[1:])
    assert answers == expected and len(answers) == 7
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["model"]["engine"] == "pixels" and summary["general"]["count"] == 7
    speed = summary["speed"]["summary"]
    assert speed["images_per_s"] > 0 and speed["latency_s_p90"] > 0
    for absent in ("ttft_s", "tpot_s", "output_tokens_per_s", "input_tokens", "output_tokens"):
        assert speed[absent] is None, absent
    assert (tmp_path / "run" / "report.html").is_file()


def test_a_new_engine_runs_the_speed_sweep(pixels: type[Engine], tmp_path: Path) -> None:
    from vlmhyperbench.perf import SweepSettings, run_bench, speed_record
    from vlmhyperbench.report.bench import bench_markdown
    from vlmhyperbench.results import ResultStore, load_record

    run = run_bench(SweepSettings("pixels:grey", batches=(1, 3), new_tokens=4, rounds=2, warmup=1))
    assert [(c.batch, c.error) for c in run.cases] == [(1, None), (3, None)]
    for case in run.cases:
        metrics = case.info["metrics"]
        assert metrics["images"] == case.batch and metrics["images_per_s"] > 0
        assert metrics["output_tokens_per_s"] is None and metrics["ttft_s"] is None
        assert case.info["config"]["engine"] == "pixels" and case.info["load"]["pillow"] is True
    record = speed_record(run, rounds_setting=2, warmup=1)
    assert [b.param for b in record.benchmarks] == ["grey-default-b1", "grey-default-b3"]
    stored = load_record(ResultStore(tmp_path).save(record))
    info = stored.benchmarks[0].extra_info
    assert info is not None and info.rounds["output_tokens_per_s"] == [None, None]
    assert info.config is not None and info.config.engine == "pixels" and info.config.dtype is None
    assert "grey" in bench_markdown([case.row() for case in run.cases])
    with pytest.raises(ValueError, match="no bare call"):
        run_bench(SweepSettings("pixels:grey", new_tokens=1, rounds=1, warmup=0, overhead=True))
