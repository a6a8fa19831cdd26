"""The vlmhyperbench API the speed suites drive: the engine interface, or the pinned release's own.

Why it exists: the prod profile installs the pinned release (v0.1.0, prod/pyproject.toml) and runs *this*
tree's suites against it, so `vlmhyperbench compare <prod> <dev>` answers "is HEAD slower than the release?".
v0.1.0 predates `vlmhyperbench.engines` and runner modes; it has `load_vlm`, `measure_generation`,
`bare_generate` and `extra_info(loaded, ...)`. `ReleaseEngine` wraps those behind the few engine methods the
suites call, and names, params and config keys come out the same, so the two cells' results match.
Only stock `generate` exists there: other runners are refused (conftest `_runners`, `generation` here).

When it can go: once prod pins a release that has `vlmhyperbench.engines`; then the suites import the
engine interface directly again and this module, with `ReleaseEngine`, is deleted.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

import vlmhyperbench

_engines: ModuleType | None
try:
    from vlmhyperbench import engines as _engines
except ImportError:  # the release: no engine interface
    _engines = None

HAS_ENGINES = _engines is not None
VERSION = vlmhyperbench.__version__
PROMPT = "Extract every field of this document as JSON."


def open_engine(preset: str, attn: str, opts: dict[str, Any]) -> Any:
    """A loaded engine for `dummy:<preset>`: the real one, or the release's model behind `ReleaseEngine`."""
    if _engines is not None:
        options = _engines.LoadOptions(device=opts["device"], dtype=opts["dtype"], attn_implementation=attn)
        engine = _engines.create_engine(f"dummy:{preset}", options)
        engine.load()
        return engine
    return ReleaseEngine.load(preset, attn, opts)


def queries(batch: int) -> list[Any]:
    """One synthetic page and the extraction prompt per sequence."""
    from vlmhyperbench.perf import document_pages

    query = _engines.Query if _engines is not None else ReleaseQuery
    return [query(page, PROMPT) for page in document_pages(batch)]


def generation(new_tokens: int, runner: str = "generate") -> Any:
    """Greedy, fixed-length generation of `new_tokens` with `runner`."""
    if _engines is not None:
        return _engines.Generation(new_tokens, fixed_length=True, runner=runner)
    if runner != "generate":
        raise ValueError(f"runner {runner!r}: vlmhyperbench {VERSION} has only stock generate")
    return ReleaseGeneration(new_tokens)


def extra_info(
    engine: Any, rounds: list[Any], batch: int, new_tokens: int, fixed_length: bool, runner: str
) -> dict[str, Any]:
    """What one benchmark stores in `extra_info`; the release's config gains the keys it lacks (same
    values the engine interface records for a stock-generate `hf` run)."""
    from vlmhyperbench import perf

    if _engines is not None:
        return dict(perf.extra_info(engine, rounds, batch, new_tokens, fixed_length, runner))
    info = dict(perf.extra_info(engine.loaded, rounds, batch, new_tokens, fixed_length=fixed_length))
    info["config"] = {**info["config"], "engine": engine.name, "runner": runner}
    return info


def bench_config(engine: Any, batch: int, new_tokens: int) -> dict[str, Any]:
    """`extra_info["config"]` of a fixed-length run (the overhead benchmark's)."""
    from vlmhyperbench import perf

    if _engines is not None:
        return dict(perf.bench_config(engine, batch, new_tokens, fixed_length=True))
    return dict(perf.bench_config(engine.loaded, batch, new_tokens, fixed_length=True))


class ReleaseQuery(NamedTuple):
    image: Any
    prompt: str


@dataclass(frozen=True)
class ReleaseGeneration:
    max_new_tokens: int
    fixed_length: bool = True
    runner: str = "generate"


class ReleaseEngine:
    """v0.1.0's `LoadedVLM` behind the engine methods the suites call (prepare, measure, bare_seconds...)."""

    name = "hf"  # the engine interface's name for transformers models (engines/hf.py)

    def __init__(self, loaded: Any) -> None:
        self.loaded = loaded

    @classmethod
    def load(cls, preset: str, attn: str, opts: dict[str, Any]) -> ReleaseEngine:
        from vlmhyperbench.models import load_vlm

        return cls(
            load_vlm(f"dummy:{preset}", device=opts["device"], dtype=opts["dtype"], attn_implementation=attn)
        )

    def prepare(self, queries: list[ReleaseQuery]) -> Any:
        return self.loaded.build_inputs([q.image for q in queries], [q.prompt for q in queries])

    def measure(self, queries: list[ReleaseQuery], generation: ReleaseGeneration, prepared: Any) -> Any:
        from vlmhyperbench.perf import measure_generation

        images, prompts = [q.image for q in queries], [q.prompt for q in queries]
        return measure_generation(
            self.loaded,
            images,
            prompts,
            max_new_tokens=generation.max_new_tokens,
            fixed_length=generation.fixed_length,
            inputs=prepared,
        )

    def bare_seconds(self, prepared: Any, generation: ReleaseGeneration) -> float:
        from vlmhyperbench.perf import bare_generate

        return float(bare_generate(self.loaded, prepared, generation.max_new_tokens, generation.fixed_length))

    def is_out_of_memory(self, exc: BaseException) -> bool:
        import torch

        return isinstance(exc, torch.cuda.OutOfMemoryError)

    def free_memory(self) -> None:
        import torch

        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def close(self) -> None:
        self.loaded = None
        self.free_memory()
