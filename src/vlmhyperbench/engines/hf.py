"""`hf`: in-process transformers `generate`, timed and memory-tracked by `perf.generation`.

Specs: `dummy:<preset>` (a shipped architecture with random weights), a local `save_pretrained` folder,
a Hugging Face id, or any of them as `hf:<spec>`. Loading is `models.load_vlm`; what differs between
architectures lives in `models/families/`. torch is imported in `load()`, not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vlmhyperbench.engines.base import Engine, EngineConfig, Generation, LoadOptions, Query
from vlmhyperbench.engines.registry import register_engine

if TYPE_CHECKING:
    from vlmhyperbench.models import LoadedVLM
    from vlmhyperbench.perf.measurement import GenerationMeasurement


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA's OutOfMemoryError, or an allocator's RuntimeError (CPU "can't allocate memory", a kernel's
    "CUDA error: out of memory"): the batch does not fit, and a smaller one may."""
    import torch

    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    message = str(exc).lower()
    return isinstance(exc, RuntimeError) and (
        "can't allocate memory" in message or "out of memory" in message
    )


@register_engine
class HFEngine(Engine):
    name = "hf"
    prefixes = ("dummy",)

    def __init__(self, spec: str, options: LoadOptions | None = None) -> None:
        super().__init__(spec, options)
        self._loaded: LoadedVLM | None = None

    @classmethod
    def from_loaded(cls, loaded: LoadedVLM) -> HFEngine:
        """An engine around a model loaded already (to reuse one model across several engines' work)."""
        engine = cls(loaded.spec)
        engine._loaded = loaded
        return engine

    @property
    def loaded(self) -> LoadedVLM:
        """The model, processor and load options (hf-specific: hooks, `save_pretrained`, ...)."""
        if self._loaded is None:
            raise RuntimeError(f"engine {self.spec!r} is not loaded: call load() first")
        return self._loaded

    def load(self) -> None:
        from vlmhyperbench.models import load_vlm

        options = self.options
        self._loaded = load_vlm(
            self.spec.removeprefix(f"{self.name}:"),
            device=options.device,
            dtype=options.dtype,
            attn_implementation=options.attn_implementation,
            seed=options.seed,
            image_size=options.image_size,
            trust_remote_code=options.trust_remote_code,
        )

    def prepare(self, queries: Sequence[Query]) -> Any:
        """The processor's tensors on the device (chat template, tokens, pixels)."""
        return self.loaded.build_inputs([q.image for q in queries], [q.prompt for q in queries])

    def measure(
        self, queries: Sequence[Query], generation: Generation, prepared: Any = None
    ) -> GenerationMeasurement:
        from vlmhyperbench.perf.generation import measure_generation

        measured: GenerationMeasurement = measure_generation(
            self.loaded,
            [q.image for q in queries],
            [q.prompt for q in queries],
            max_new_tokens=generation.max_new_tokens,
            fixed_length=generation.fixed_length,
            inputs=prepared,
            runner=generation.runner,
        )
        return measured

    def bare_seconds(self, prepared: Any, generation: Generation) -> float | None:
        from vlmhyperbench.perf.generation import bare_generate

        seconds: float = bare_generate(
            self.loaded,
            prepared,
            generation.max_new_tokens,
            generation.fixed_length,
            runner=generation.runner,
        )
        return seconds

    def kv_cache_bytes_per_token(self) -> int | None:
        """Keys and values of every layer, from the language model's config (grouped-query heads counted)."""
        config = self.loaded.model.config
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        layers = getattr(text, "num_hidden_layers", None)
        heads = getattr(text, "num_attention_heads", None)
        kv_heads = getattr(text, "num_key_value_heads", None) or heads
        head_dim = getattr(text, "head_dim", None)
        if not head_dim and heads and getattr(text, "hidden_size", None):
            head_dim = text.hidden_size // heads
        if not (layers and kv_heads and head_dim):
            return None
        return int(2 * layers * kv_heads * head_dim * self.loaded.dtype.itemsize)

    def is_out_of_memory(self, exc: BaseException) -> bool:
        return is_out_of_memory(exc)

    def free_memory(self) -> None:
        import gc

        import torch

        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def config(self) -> EngineConfig:
        loaded = self.loaded
        return EngineConfig(
            engine=self.name,
            preset=loaded.preset.name if loaded.preset is not None else loaded.name,
            model=loaded.spec,
            device=str(loaded.device),
            dtype=str(loaded.dtype).removeprefix("torch."),
            attn_implementation=loaded.attn_implementation,
            image_size=list(loaded.image_size) if loaded.image_size else None,
            image_tokens=loaded.image_tokens,
        )

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, **self.loaded.describe()}

    def close(self) -> None:
        if self._loaded is not None:
            self._loaded = None
            self.free_memory()
