"""The serving benchmark: N requests at a request rate under a concurrency cap, figures as `vllm bench serve`.

    case = asyncio.run(run_case(client, pages, PROMPT, num_prompts=64, concurrency=8, rate=inf, ...))
    figures = serving_figures(case, slo)

Per request (from the stream, `client.RequestRecord`): TTFT, TPOT, inter-chunk latencies, end-to-end latency,
token counts from `usage`. Per case: mean / median / p90 / p99 of each, request throughput, output and total
tokens/s and goodput over the case's wall time (first send to last answer). Warm-up requests are sent
first and not measured. How many requests really ran at once is measured from the records' start and end
times (`max_concurrent`, `mean_concurrent`), not assumed from the cap.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vlmhyperbench.errors import UsageError
from vlmhyperbench.figures import SERVING_FIGURES
from vlmhyperbench.perf.stats import Samples
from vlmhyperbench.serve.client import RequestRecord, ServedClient
from vlmhyperbench.serve.schedule import SloTargets, arrival_offsets, rate_label

TIMED = ("ttft_s", "tpot_s", "itl_s", "e2e_s")  # per request; their statistics come from SERVING_FIGURES


@dataclass
class ServingCase:
    """One (concurrency, request rate) cell: its settings, every measured request, and its wall time."""

    concurrency: int
    rate: float
    max_tokens: int
    fixed_length: bool
    seed: int
    records: list[RequestRecord] = field(default_factory=list)
    duration_s: float = 0.0
    warmup: int = 0
    start_s: float = 0.0  # perf_counter when the schedule started (request i is sent at start + offset i)

    @property
    def label(self) -> str:
        return f"c{self.concurrency}-r{rate_label(self.rate)}"

    @property
    def completed(self) -> list[RequestRecord]:
        return [r for r in self.records if r.ok]


def overlap(records: Sequence[RequestRecord]) -> tuple[int, float]:
    """(most requests in flight at one instant, mean in flight over the span) from start/end times."""
    events = sorted([(r.started_s, 1) for r in records] + [(r.ended_s, -1) for r in records])
    if not events:
        return 0, 0.0
    now = peak = 0
    for _, step in events:  # ends sort before starts at the same instant: touching is not overlapping
        now += step
        peak = max(peak, now)
    span = events[-1][0] - events[0][0]
    busy = sum(r.latency_s or 0.0 for r in records)
    return peak, busy / span if span > 0 else float(peak)


async def run_case(
    client: ServedClient,
    image_urls: Sequence[str],
    prompt: str,
    *,
    num_prompts: int,
    concurrency: int,
    rate: float = math.inf,
    max_tokens: int = 128,
    fixed_length: bool = True,
    warmup: int = 1,
    seed: int = 0,
) -> ServingCase:
    """`warmup` unmeasured requests, then `num_prompts` on the seeded schedule, `concurrency` at once."""
    if concurrency < 1 or num_prompts < 1 or warmup < 0 or not image_urls:
        raise UsageError(
            f"need concurrency >= 1, num_prompts >= 1, warmup >= 0 and a page; got {concurrency}, "
            f"{num_prompts}, {warmup}, {len(image_urls)} pages"
        )
    case = ServingCase(concurrency, rate, max_tokens, fixed_length, seed, warmup=warmup)
    slots = asyncio.Semaphore(concurrency)
    async with client.open(max_connections=concurrency) as api:

        async def one(i: int) -> RequestRecord:
            async with slots:
                return await client.stream_request(
                    api, image_urls[i % len(image_urls)], prompt, max_tokens, fixed_length
                )

        if warmup:
            await asyncio.gather(*(one(i) for i in range(warmup)))
        offsets = arrival_offsets(num_prompts, rate, seed)
        start = case.start_s = time.perf_counter()
        tasks = []
        for i, offset in enumerate(offsets):
            delay = start + offset - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        case.records = list(await asyncio.gather(*tasks))
        case.duration_s = max(r.ended_s for r in case.records) - start
    return case


def _stats(name: str, values: Sequence[float]) -> dict[str, float | None]:
    """`{name}` (the declared aggregate) and `{name}_{stat}` for each declared spread; None if no values."""
    figure = SERVING_FIGURES.get(name)
    samples = Samples(values) if values else None
    return {figure.key(stat): getattr(samples, stat) if samples else None for stat in figure.stats}


def serving_figures(case: ServingCase, slo: SloTargets | None = None) -> dict[str, Any]:
    """The case's figures (seconds, tokens, requests/s), JSON-ready; see the module docstring."""
    done = case.completed
    failed = [r for r in case.records if not r.ok]
    duration = case.duration_s if case.duration_s > 0 else math.nan
    output = [r.completion_tokens or 0 for r in done]
    prompts = [r.prompt_tokens for r in done]
    sources = sorted({r.token_source for r in done if r.token_source})
    per_request: dict[str, list[float]] = {
        "ttft_s": [r.ttft_s for r in done if r.ttft_s is not None],
        "tpot_s": [t for t in (r.tpot_s for r in done) if t is not None],
        "itl_s": [gap for r in done for gap in r.itl_s],
        "e2e_s": [r.latency_s for r in done if r.latency_s is not None],
    }
    peak, mean_in_flight = overlap(case.records)
    figures: dict[str, Any] = {
        "concurrency": case.concurrency,
        "request_rate": rate_label(case.rate),
        "seed": case.seed,
        "num_prompts": len(case.records),
        "warmup": case.warmup,
        "completed": len(done),
        "failed": len(failed),
        "retries": sum(r.retries for r in case.records),
        "errors": sorted({r.error for r in failed if r.error})[:5],
        "duration_s": case.duration_s,
        "request_throughput": len(done) / duration,
        "output_tokens_per_s": sum(output) / duration,
        "total_tokens_per_s": (
            (sum(output) + sum(p or 0 for p in prompts)) / duration if done and None not in prompts else None
        ),
        "max_concurrent": peak,
        "mean_concurrent": mean_in_flight,
        "token_source": "+".join(sources) or None,
        "max_tokens": case.max_tokens,
        "fixed_length": case.fixed_length,
        "output_tokens_min": min(output, default=None),
        "output_tokens_max": max(output, default=None),
        "lengths_vary": len(set(output)) > 1,
    }
    for name in TIMED:
        figures.update(_stats(name, per_request[name]))
    if slo is not None:
        good = sum(slo.met(r.ttft_s, r.tpot_s) for r in done)
        figures["slo"] = slo.as_dict()
        figures["good_requests"] = good
        figures["goodput"] = good / duration
    return figures
