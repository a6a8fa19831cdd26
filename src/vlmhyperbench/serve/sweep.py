"""A serving sweep (concurrency x request rate) on one loaded `openai:` engine, as `perf.BenchRun` cases.

Each completed request becomes one `GenerationMeasurement` (a batch of one), so a served case carries the
same `extra_info` (`config` / `metrics` / `rounds`) as an in-process one and `compare` reads both alike; the
serving figures (`serve.bench.serving_figures`) go in `extra_info["serving"]`. A case's identity is a
`results.SpeedCase` with attn `served-r<rate>` and concurrency as the batch size:
`test_generate[<model>-served-r<rate>-b<concurrency>]`.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vlmhyperbench.engines.base import Generation
from vlmhyperbench.engines.openai import OpenAIEngine
from vlmhyperbench.errors import UsageError
from vlmhyperbench.perf.bench import PROMPT, BenchCase, BenchRun, document_pages
from vlmhyperbench.perf.measurement import GenerationMeasurement
from vlmhyperbench.perf.summary import extra_info
from vlmhyperbench.serve.bench import ServingCase, run_case, serving_figures
from vlmhyperbench.serve.client import RequestRecord, image_data_url
from vlmhyperbench.serve.schedule import SloTargets, rate_label

PAGES = 4  # distinct pages the requests cycle through (a server's prefix cache sees repeats, as in use)


def to_measurement(record: RequestRecord, max_tokens: int, fixed_length: bool) -> GenerationMeasurement:
    """One completed request as a batch-of-one measurement (TTFT, latency, chunk times, token counts)."""
    return GenerationMeasurement(
        texts=[record.text],
        input_tokens=None if record.prompt_tokens is None else [record.prompt_tokens],
        output_tokens=[record.completion_tokens or 0],
        ttft_s=record.ttft_s,
        latency_s=record.latency_s or 0.0,
        images=1,
        new_tokens=max_tokens,
        fixed_length=fixed_length,
        token_times_s=list(record.chunk_times_s),
    )


def serving_case(engine: OpenAIEngine, case: ServingCase, slo: SloTargets | None = None) -> BenchCase:
    """The stored form of a measured case; a case where no request succeeded is a failed case."""
    from vlmhyperbench.perf.summary import bench_config

    label = f"served-r{rate_label(case.rate)}"
    figures = serving_figures(case, slo)
    rounds = [to_measurement(r, case.max_tokens, case.fixed_length) for r in case.completed]
    if not rounds:
        info = {
            "config": bench_config(engine, case.concurrency, case.max_tokens, case.fixed_length),
            "serving": figures,
            "load": engine.describe(),
        }
        return BenchCase(
            label, case.concurrency, [], info, error=f"every request failed: {figures['errors']}"
        )
    info = extra_info(engine, rounds, case.concurrency, case.max_tokens, case.fixed_length)
    info["serving"] = figures
    info["load"] = engine.describe()
    return BenchCase(label, case.concurrency, rounds, info)


@dataclass(frozen=True)
class ServingSweep:
    """What `bench --model openai:...` sweeps: every request rate x every concurrency, N requests each."""

    concurrencies: Sequence[int] = (1,)
    rates: Sequence[float] = (math.inf,)
    num_prompts: int = 32
    new_tokens: int = 128
    fixed_length: bool = True
    warmup: int = 1
    seed: int = 0
    slo: SloTargets | None = None

    def __post_init__(self) -> None:
        if self.num_prompts < 1 or self.warmup < 0 or self.new_tokens < 1 or not self.concurrencies:
            raise UsageError(
                "need --num-prompts >= 1, --warmup >= 0, --new-tokens >= 1 and a --concurrency; got "
                f"{self.num_prompts}, {self.warmup}, {self.new_tokens}, {list(self.concurrencies)}"
            )
        if min(self.concurrencies) < 1:
            raise UsageError(f"--concurrency must be at least 1, got {list(self.concurrencies)}")

    @property
    def cases(self) -> int:
        return len(self.concurrencies) * len(self.rates)


def serving_sweep(
    engine: OpenAIEngine,
    sweep: ServingSweep,
    on_case: Callable[[BenchRun], None] | None = None,
    run: BenchRun | None = None,
) -> BenchRun:
    """Every (request rate, concurrency) case on a loaded engine, saved through `on_case` as it finishes."""
    run = run if run is not None else BenchRun(engine.spec)
    engine.ensure_fixed_length(Generation(sweep.new_tokens, sweep.fixed_length))
    urls = [image_data_url(page) for page in document_pages(PAGES)]
    for rate in sweep.rates:
        for concurrency in sweep.concurrencies:
            case = asyncio.run(
                run_case(
                    engine.connection,
                    urls,
                    PROMPT,
                    num_prompts=sweep.num_prompts,
                    concurrency=concurrency,
                    rate=rate,
                    max_tokens=sweep.new_tokens,
                    fixed_length=sweep.fixed_length,
                    warmup=sweep.warmup,
                    seed=sweep.seed,
                )
            )
            run.cases.append(serving_case(engine, case, sweep.slo))
            if on_case is not None:
                on_case(run)
    return run
