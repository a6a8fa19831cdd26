"""The serving benchmark: N requests at a request rate under a concurrency cap, figures as `vllm bench serve`.

    requests = request_cycle(builtin_items(pages, PROMPT), 64, seed)          # or the user's dataset
    case = asyncio.run(run_case(client, requests, concurrency=8, shape=LoadShape(rate=4.0), ...))
    figures = serving_figures(case, slo)

Per request (from the stream, `client.RequestRecord`): TTFT, TPOT, inter-chunk latencies, end-to-end latency,
token counts from `usage`. Per case: mean / median / p90 / p99 of each, request throughput, output and total
tokens/s and goodput over the case's wall time (first send to last answer). Warm-up requests are sent
first and not measured. How many requests really ran at once is measured from the records' start and end
times (`max_concurrent`, `mean_concurrent`), not assumed from the cap. Each request's id, planned and
actual send time and token counts are kept (`requests`), and how the sends kept the planned schedule
(`shapes.send_report`: achieved send rate, shortfall, lag). Energy (joules per output token and per
image) is the case's, read where the server was launched on this machine; absent otherwise, with why.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vlmhyperbench.errors import UsageError
from vlmhyperbench.figures import JOULES_PER_IMAGE, JOULES_PER_OUTPUT_TOKEN, SERVING_FIGURES
from vlmhyperbench.perf.energy import Energy, EnergyCounter, joules_per, track_energy
from vlmhyperbench.perf.stats import Samples
from vlmhyperbench.serve.client import RequestRecord, ServedClient
from vlmhyperbench.serve.requests import ServedRequest
from vlmhyperbench.serve.schedule import SloTargets
from vlmhyperbench.serve.shapes import LoadShape, rate_label, send_report

TIMED = ("ttft_s", "tpot_s", "itl_s", "e2e_s")  # per request; their statistics come from SERVING_FIGURES
NOT_LAUNCHED = "the server was not started here (--launch): its GPUs' energy cannot be read from this process"


@dataclass
class ServingCase:
    """One (concurrency, load shape) cell: its settings, every measured request, and its wall time.

    `records[i]` answered `requests[i]`, planned to leave `planned_s[i]` after `start_s`; its send time
    is `records[i].started_s - start_s`. `energy` is the case's, where the server runs on this machine.
    """

    concurrency: int
    shape: LoadShape
    max_tokens: int
    fixed_length: bool
    seed: int
    records: list[RequestRecord] = field(default_factory=list)
    requests: list[ServedRequest] = field(default_factory=list)
    planned_s: list[float] = field(default_factory=list)
    duration_s: float = 0.0
    warmup: int = 0
    start_s: float = 0.0  # perf_counter when the schedule started (request i is sent at start + offset i)
    energy: Energy = field(default_factory=lambda: Energy(reason=NOT_LAUNCHED))

    @property
    def rate(self) -> float:
        return self.shape.rate

    @property
    def label(self) -> str:
        return f"c{self.concurrency}-{self.shape.label}"

    @property
    def completed(self) -> list[RequestRecord]:
        return [r for r in self.records if r.ok]

    @property
    def sent_s(self) -> list[float]:
        return [r.started_s - self.start_s for r in self.records]


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
    requests: Sequence[ServedRequest],
    *,
    concurrency: int,
    shape: LoadShape | None = None,
    max_tokens: int = 128,
    fixed_length: bool = True,
    warmup: int = 1,
    seed: int = 0,
    energy: EnergyCounter | str = NOT_LAUNCHED,
) -> ServingCase:
    """`warmup` unmeasured requests, then every request of `requests` on the seeded schedule of `shape`,
    `concurrency` at once; `energy` is read around the measured requests."""
    shape = shape if shape is not None else LoadShape()
    if concurrency < 1 or warmup < 0 or not requests:
        raise UsageError(
            f"need concurrency >= 1, warmup >= 0 and a request; got {concurrency}, {warmup}, "
            f"{len(requests)} requests"
        )
    case = ServingCase(concurrency, shape, max_tokens, fixed_length, seed, warmup=warmup)
    case.requests = list(requests)
    slots = asyncio.Semaphore(concurrency)
    async with client.open(max_connections=concurrency) as api:

        async def one(request: ServedRequest) -> RequestRecord:
            async with slots:
                return await client.stream_request(
                    api, request.image_url, request.prompt, max_tokens, fixed_length
                )

        if warmup:
            await asyncio.gather(*(one(requests[i % len(requests)]) for i in range(warmup)))
        case.planned_s = shape.offsets(len(requests), seed)
        with track_energy(energy) as case.energy:
            start = case.start_s = time.perf_counter()
            tasks = []
            for request, offset in zip(requests, case.planned_s, strict=True):
                delay = start + offset - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(request)))
            case.records = list(await asyncio.gather(*tasks))
            case.duration_s = max(r.ended_s for r in case.records) - start
    return case


def _stats(name: str, values: Sequence[float]) -> dict[str, float | None]:
    """`{name}` (the declared aggregate) and `{name}_{stat}` for each declared spread; None if no values."""
    figure = SERVING_FIGURES.get(name)
    samples = Samples(values) if values else None
    return {figure.key(stat): getattr(samples, stat) if samples else None for stat in figure.stats}


def per_request_columns(case: ServingCase) -> dict[str, list[Any]]:
    """Each measured request, column by column: its id, planned and actual send time (s from the start),
    input and output tokens (from the server's usage), TTFT and end-to-end latency, error."""
    none: list[Any] = [None] * len(case.records)
    return {
        "id": [r.id for r in case.requests] or none,
        "planned_s": list(case.planned_s) or none,
        "sent_s": case.sent_s,
        "input_tokens": [r.prompt_tokens for r in case.records],
        "output_tokens": [r.completion_tokens for r in case.records],
        "ttft_s": [r.ttft_s for r in case.records],
        "e2e_s": [r.latency_s for r in case.records],
        "error": [r.error for r in case.records],
    }


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
        "shape": case.shape.as_dict(),
        "load_shape": case.shape.label,
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
    if case.planned_s and len(case.planned_s) == len(case.records):
        figures.update(send_report(case.planned_s, case.sent_s))
    figures["energy"] = case.energy.as_dict()
    figures[JOULES_PER_OUTPUT_TOKEN.name] = joules_per(case.energy.joules, sum(output))
    figures[JOULES_PER_IMAGE.name] = joules_per(case.energy.joules, len(done))
    figures["requests"] = per_request_columns(case)
    if slo is not None:
        good = sum(slo.met(r.ttft_s, r.tpot_s) for r in done)
        figures["slo"] = slo.as_dict()
        figures["good_requests"] = good
        figures["goodput"] = good / duration
    return figures
