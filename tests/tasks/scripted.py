"""`scripted:NAME`, a real engine for the task tests whose answers are fixed in advance."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

from vlmhyperbench.engines import Engine, EngineConfig, Generation, Query


class ScriptedEngine(Engine):
    """`scripted:NAME`: answers with the next text of a fixed list, whatever the page: a real engine through
    the real interface, whose answers (and so every score) are known in advance."""

    name = "scripted"
    script: ClassVar[list[str]] = []

    def load(self) -> None:
        self.next = iter(self.script)

    def measure(self, queries: Sequence[Query], generation: Generation, prepared: Any = None) -> Any:
        from vlmhyperbench.perf import GenerationMeasurement

        start = time.perf_counter()
        assert all(q.image.width > 0 and q.prompt for q in queries)
        texts = [next(self.next) for _ in queries]
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
        return EngineConfig(engine=self.name, preset="scripted", model=self.spec)

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "model": self.spec}
