"""`Engine`: the one thing that turns a batch of (image, prompt) into answers, timed and memory-tracked.

The speed path (`perf.bench`, the `benchmarks/` suites) and the quality path (`runs.answering`) talk to this
interface only; they never ask which engine they hold. What an engine cannot measure stays `None` in its
`GenerationMeasurement` (an OCR engine has no tokens, a served one no local memory), never zero.
Torch-free: an engine imports its heavy dependencies in `load()`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar

from vlmhyperbench.errors import UsageError
from vlmhyperbench.serve.options import ServerOptions

if TYPE_CHECKING:
    from vlmhyperbench.perf.measurement import GenerationMeasurement


@dataclass(frozen=True)
class Query:
    """One question: the page image (PIL), the prompt, and the answer's region where the dataset has it."""

    image: Any
    prompt: str
    bbox: tuple[int, int, int, int] | None = None  # answer_bbox (x0, y0, x1, y1), pixels of `image`


@dataclass(frozen=True)
class Generation:
    """How answers are decoded. `fixed_length` (speed runs) makes every answer exactly `max_new_tokens`;
    `runner` is the decoding mode of an engine with several (hf: generate, static, compiled; see
    perf/runners.py). An engine with one way of decoding accepts only the default."""

    max_new_tokens: int = 128
    fixed_length: bool = False
    runner: str = "generate"

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise UsageError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")


@dataclass(frozen=True)
class LoadOptions:
    """Settings an engine is created with; an engine ignores the ones it has no use for."""

    device: str = "auto"
    dtype: str = "auto"
    attn_implementation: str | None = None
    seed: int = 0
    image_size: int | tuple[int, int] | None = None
    trust_remote_code: bool = False
    server: ServerOptions | None = None  # served engines (`openai:`): URL, timeout, retries, --launch


@dataclass(frozen=True)
class EngineConfig:
    """The settings a speed result is keyed on; None where the engine has no such setting."""

    engine: str
    preset: str  # what benchmarks are named after: the preset, folder name or served model name
    model: str  # the spec as given
    device: str | None = None
    dtype: str | None = None
    attn_implementation: str | None = None
    image_size: list[int] | None = None
    image_tokens: int | None = None  # image placeholder tokens per image, where the engine has tokens


class Engine(ABC):
    """Create with a spec and options, `load()`, then `measure()` / `answer()` batches, then `close()`."""

    name: ClassVar[str]  # the registry name, and the `NAME:` prefix that selects the engine in a spec
    prefixes: ClassVar[tuple[str, ...]] = ()  # other spec prefixes this engine claims (hf: `dummy`)
    needs_bbox: ClassVar[bool] = False  # reads only the answer region: rows without answer_bbox are skipped
    # answers over a network: `bench` sweeps concurrency x request rate instead of batch sizes
    served: ClassVar[bool] = False

    def __init__(self, spec: str, options: LoadOptions | None = None) -> None:
        self.spec = spec
        self.options = options or LoadOptions()

    @abstractmethod
    def load(self) -> None:
        """Do the slow setup (weights, server check, binary check); errors are `ModelLoadError`s."""

    def prepare(self, queries: Sequence[Query]) -> Any:
        """Work done before the timer starts (templating, tokenising); reused across measured rounds."""
        return list(queries)

    @abstractmethod
    def measure(
        self, queries: Sequence[Query], generation: Generation, prepared: Any = None
    ) -> GenerationMeasurement:
        """Answer one batch inside the timed region; `texts` holds one answer per query."""

    def answer(self, queries: Sequence[Query], generation: Generation) -> list[str]:
        """The answers alone, stripped of surrounding whitespace."""
        return [text.strip() for text in self.measure(queries, generation).texts]

    def bare_seconds(self, prepared: Any, generation: Generation) -> float | None:
        """The same call with no instrumentation, for the overhead check; None: the engine has none."""
        return None

    def kv_cache_bytes_per_token(self) -> int | None:
        """Bytes one token of one sequence adds to the KV cache on the engine's device (after `load()`), so
        a batch that cannot fit is refused before it is allocated (perf/fit.py); None: unknown, not local."""
        return None

    def is_out_of_memory(self, exc: BaseException) -> bool:
        """Whether `exc` means this batch does not fit; the engine stays usable for smaller ones."""
        return False

    def free_memory(self) -> None:
        """Give back what a failed batch held (device caches); engines without a device hold nothing."""
        return None

    @abstractmethod
    def config(self) -> EngineConfig:
        """The settings a speed result is keyed on (after `load()`)."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """What results record about the engine and its environment (after `load()`), JSON-ready."""

    def close(self) -> None:
        """Release what `load()` took; nothing by default."""
        return None

    def __enter__(self) -> Engine:
        self.load()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
