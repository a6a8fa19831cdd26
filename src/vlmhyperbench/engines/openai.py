"""`openai`: a model behind an OpenAI-compatible server (vLLM, SGLang, TGI, `transformers serve`).

Spec `openai:NAME`, NAME being a model id the server's `/v1/models` lists. Where the server is and how
requests behave comes from `LoadOptions.server` (`serve.ServerOptions`). Each query is one streamed chat
completion with the page as a base64 PNG data URL; a batch's queries are sent at once, so `bench --batch 8`
measures 8 concurrent requests. `answer_each` serves quality runs: answers arrive in any order, each is
handed over once. A request that still fails after its retries stops the work with a `ServerError`
naming the URL and the cause. `load()` checks the server (and starts it, with `--launch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vlmhyperbench.engines.base import Engine, EngineConfig, Generation, LoadOptions, Query
from vlmhyperbench.engines.registry import register_engine
from vlmhyperbench.serve.client import (
    RequestRecord,
    RetryPolicy,
    ServedClient,
    ServerError,
    image_data_url,
)
from vlmhyperbench.serve.options import ServerOptions
from vlmhyperbench.serve.redact import KEY_VARIABLES, redact, redact_data

if TYPE_CHECKING:
    from vlmhyperbench.perf.measurement import GenerationMeasurement

SERVED = "served"  # device and dtype of a served model: the server decides, results say so


@register_engine
class OpenAIEngine(Engine):
    name = "openai"
    served = True

    def __init__(self, spec: str, options: LoadOptions | None = None) -> None:
        super().__init__(spec, options)
        self.model = spec.removeprefix(f"{self.name}:")
        self.server = self.options.server or ServerOptions()
        self.client: ServedClient | None = None
        self.identity: dict[str, Any] = {}
        self._stack = ExitStack()
        self._dialect_checked = False

    def load(self) -> None:
        from vlmhyperbench.serve.server import check_server, server_identity

        url = self.server.url()
        if self.server.launch:
            from vlmhyperbench.serve.launch import launch_server

            log = self.server.launch_log or Path("server.log")
            try:
                self._stack.enter_context(
                    launch_server(self.server.launch, url, log, self.server.ready_timeout_s)
                )
            except BaseException:
                self._stack.close()
                raise
        try:
            check_server(url, self.model)
            self.identity = server_identity(url)
        except BaseException:
            self._stack.close()
            raise
        self.client = ServedClient(
            url, self.model, self.server.timeout_s, RetryPolicy(self.server.retries), seed=self.options.seed
        )

    @property
    def connection(self) -> ServedClient:
        if self.client is None:
            raise RuntimeError(f"engine {self.spec!r} is not loaded: call load() first")
        return self.client

    def ensure_fixed_length(self, generation: Generation) -> None:
        """Find once how this server fixes answer length (only fixed-length work needs it)."""
        if generation.fixed_length and not self._dialect_checked:
            from vlmhyperbench.serve.server import probe_fixed_length

            client = self.connection
            client.fixed_length_dialect = probe_fixed_length(client.base_url, self.model, client.timeout_s)
            self._dialect_checked = True

    def prepare(self, queries: Sequence[Query]) -> Any:
        """Each page as a PNG data URL, with its prompt (encoding is not part of a request's time)."""
        return [(image_data_url(q.image), q.prompt) for q in queries]

    def _records(
        self,
        prepared: Sequence[tuple[str, str]],
        generation: Generation,
        concurrency: int,
        on_record: Callable[[int, RequestRecord], None] | None = None,
    ) -> list[RequestRecord]:
        self.ensure_fixed_length(generation)
        client = self.connection

        async def all_requests() -> list[RequestRecord]:
            slots = asyncio.Semaphore(concurrency)
            async with client.open(max_connections=concurrency) as api:

                async def one(i: int) -> RequestRecord:
                    url, prompt = prepared[i]
                    async with slots:
                        record = await client.stream_request(
                            api, url, prompt, generation.max_new_tokens, generation.fixed_length
                        )
                    if on_record is not None:
                        on_record(i, record)
                    return record

                return list(await asyncio.gather(*(one(i) for i in range(len(prepared)))))

        return asyncio.run(all_requests())

    def _raise_failed(self, records: Sequence[RequestRecord], done: int = 0) -> None:
        failed = [r for r in records if not r.ok]
        if failed:
            raise ServerError(
                redact(
                    f"server {self.connection.base_url}: {len(failed)} of {len(records)} requests failed "
                    f"({failed[0].error}); {done} answers were kept, the failed ones were not written"
                )
            )

    def measure(
        self, queries: Sequence[Query], generation: Generation, prepared: Any = None
    ) -> GenerationMeasurement:
        """The batch's requests sent at once; TTFT is their mean, latency the batch's wall time."""
        import time

        from vlmhyperbench.perf.measurement import GenerationMeasurement

        prepared = prepared if prepared is not None else self.prepare(queries)
        t0 = time.perf_counter()
        records = self._records(prepared, generation, concurrency=len(prepared))
        self._raise_failed(records)
        latency = max(r.ended_s for r in records) - t0
        ttfts = [r.started_s - t0 + (r.ttft_s or 0.0) for r in records]
        prompt_tokens = [r.prompt_tokens for r in records]
        return GenerationMeasurement(
            texts=[r.text for r in records],
            input_tokens=None if None in prompt_tokens else [p or 0 for p in prompt_tokens],
            output_tokens=[r.completion_tokens or 0 for r in records],
            ttft_s=min(sum(ttfts) / len(ttfts), latency),
            latency_s=latency,
            images=len(records),
            new_tokens=generation.max_new_tokens,
            fixed_length=generation.fixed_length,
            token_times_s=list(records[0].chunk_times_s) if len(records) == 1 else [],
        )

    def answer_each(
        self,
        queries: Sequence[Query],
        generation: Generation,
        on_answer: Callable[[int, str], None],
        concurrency: int | None = None,
        on_failed: Callable[[int, str], None] | None = None,
    ) -> list[RequestRecord]:
        """Ask every query, `concurrency` at a time; `on_answer(i, text)` as each answer arrives, once.

        A request that failed after its retries calls `on_failed(i, error)` instead; once all have ended,
        a `ServerError` says how many failed and how many answers were handed over.
        """
        prepared = self.prepare(queries)
        answered = 0

        def hand_over(i: int, record: RequestRecord) -> None:
            nonlocal answered
            if record.ok:
                on_answer(i, record.text.strip())
                answered += 1
            elif on_failed is not None:
                on_failed(i, record.error or "failed")

        records = self._records(prepared, generation, concurrency or self.server.concurrency, hand_over)
        self._raise_failed(records, answered)
        return records

    def config(self) -> EngineConfig:
        return EngineConfig(
            engine=self.name,
            preset=Path(self.model).name or self.model,
            model=self.spec,
            device=SERVED,
            dtype=SERVED,
        )

    def describe(self) -> dict[str, Any]:
        client = self.connection
        described = {
            "engine": self.name,
            "model": self.model,
            "server": self.identity,
            "fixed_length_via": client.fixed_length_dialect,
            "request_timeout_s": client.timeout_s,
            "retries": client.retry.retries,
            "launch": self.server.launch,
            "api_key_from": _key_source(),  # the variable's name only, never the key
        }
        return dict(redact_data(described))

    def close(self) -> None:
        self.client = None
        self._stack.close()


def _key_source() -> str | None:
    """Which environment variable the key came from (its name only, never its value)."""
    import os

    return next((name for name in KEY_VARIABLES if os.environ.get(name, "").strip()), None)
