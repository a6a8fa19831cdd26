"""A serving sweep (concurrency x load shape) on one loaded `openai:` engine, as `perf.BenchRun` cases.

Each completed request becomes one `GenerationMeasurement` (a batch of one), so a served case carries the
same `extra_info` (`config` / `metrics` / `rounds`) as an in-process one and `compare` reads both alike; the
serving figures (`serve.bench.serving_figures`) go in `extra_info["serving"]`. A case's identity is a
`results.SpeedCase` with attn `served-<shape>` (`case_label`) and concurrency as the batch size:
`test_generate[<model>-served-r<rate>-b<concurrency>]`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vlmhyperbench.engines.base import Generation
from vlmhyperbench.engines.openai import OpenAIEngine
from vlmhyperbench.errors import UsageError
from vlmhyperbench.perf.bench import PROMPT, BenchCase, BenchRun, document_pages
from vlmhyperbench.perf.energy import EnergyCounter, open_energy_counter
from vlmhyperbench.perf.measurement import GenerationMeasurement
from vlmhyperbench.perf.summary import extra_info
from vlmhyperbench.serve.bench import NOT_LAUNCHED, ServingCase, run_case, serving_figures
from vlmhyperbench.serve.client import RequestRecord
from vlmhyperbench.serve.requests import Item, ServedRequest, builtin_items, dataset_items, request_cycle
from vlmhyperbench.serve.saturation import SaturationPlan, saturation_sweep
from vlmhyperbench.serve.schedule import SloTargets
from vlmhyperbench.serve.shapes import LoadShape, fell_behind

PAGES = 4  # distinct pages the requests cycle through (a server's prefix cache sees repeats, as in use)
SERVED_ROUND = "a served request: energy is measured over the whole case (extra_info.serving.energy)"


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
        energy_reason=SERVED_ROUND,
    )


def case_label(shape: LoadShape) -> str:
    """The stored case's attention slot: `served-r4`, `served-r4-b0.5`, `served-ramp-linear-1-8`."""
    return f"served-{shape.label}"


def serving_case(engine: OpenAIEngine, case: ServingCase, slo: SloTargets | None = None) -> BenchCase:
    """The stored form of a measured case; a case where no request succeeded is a failed case."""
    from vlmhyperbench.perf.summary import bench_config

    label = case_label(case.shape)
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
    """What `bench --model openai:...` sweeps: every load shape x every concurrency, N requests each.

    The requests come from `dataset` (a folder with annotation.csv, see `serve.requests`) or, without
    one, from `PAGES` built-in pages with the bench prompt; `strict_rate` makes a case whose sends fell
    behind the planned rate by more than `shapes.STRICT_RATE_TOLERANCE` an error after the sweep.
    """

    concurrencies: Sequence[int] = (1,)
    shapes: Sequence[LoadShape] = (LoadShape(),)
    num_prompts: int = 32
    new_tokens: int = 128
    fixed_length: bool = True
    warmup: int = 1
    seed: int = 0
    slo: SloTargets | None = None
    dataset: str | None = None
    strict_rate: bool = False

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
        return len(self.concurrencies) * len(self.shapes)

    def items(self) -> list[Item]:
        """What the requests ask: the dataset's questions, or the built-in pages."""
        if self.dataset is not None:
            return list(dataset_items(self.dataset))
        return builtin_items(document_pages(PAGES), PROMPT)

    def requests(self) -> list[ServedRequest]:
        return request_cycle(self.items(), self.num_prompts, self.seed)


def energy_counter(engine: OpenAIEngine) -> EnergyCounter | str:
    """Every GPU of this machine for a server we launched; otherwise the reason there is no figure."""
    return open_energy_counter(None) if engine.server.launch else NOT_LAUNCHED


def measure_case(
    engine: OpenAIEngine,
    sweep: ServingSweep,
    requests: Sequence[ServedRequest],
    concurrency: int,
    shape: LoadShape,
) -> BenchCase:
    """One served case, measured and in its stored form."""
    case = asyncio.run(
        run_case(
            engine.connection,
            requests,
            concurrency=concurrency,
            shape=shape,
            max_tokens=sweep.new_tokens,
            fixed_length=sweep.fixed_length,
            warmup=sweep.warmup,
            seed=sweep.seed,
            energy=energy_counter(engine),
        )
    )
    return serving_case(engine, case, sweep.slo)


def serving_sweep(
    engine: OpenAIEngine,
    sweep: ServingSweep,
    on_case: Callable[[BenchRun], None] | None = None,
    run: BenchRun | None = None,
    requests: Sequence[ServedRequest] | None = None,
) -> BenchRun:
    """Every (load shape, concurrency) case on a loaded engine, saved through `on_case` as it finishes;
    `requests` (made before the server is asked, so a bad dataset costs nothing) or `sweep.requests()`."""
    run = run if run is not None else BenchRun(engine.spec)
    engine.ensure_fixed_length(Generation(sweep.new_tokens, sweep.fixed_length))
    requests = requests if requests is not None else sweep.requests()
    for shape in sweep.shapes:
        for concurrency in sweep.concurrencies:
            run.cases.append(measure_case(engine, sweep, requests, concurrency, shape))
            if on_case is not None:
                on_case(run)
    return run


def behind_schedule(run: BenchRun) -> list[str]:
    """`--strict-rate`: each case whose achieved send rate fell behind the planned one, and by how much."""
    late = []
    for case in run.cases:
        serving = case.info.get("serving") or {}
        if fell_behind(serving):
            late.append(
                f"{case.name}: sent {serving['achieved_send_rate']:.3g} req/s of the planned "
                f"{serving['planned_send_rate']:.3g} ({serving['send_rate_shortfall']:.1%} behind, "
                f"latest send {serving['send_lag_s_max']:.3g} s late)"
            )
    return late


def saturation_run(
    engine: OpenAIEngine,
    sweep: ServingSweep,
    plan: SaturationPlan,
    on_case: Callable[[BenchRun], None] | None = None,
    run: BenchRun | None = None,
    requests: Sequence[ServedRequest] | None = None,
) -> BenchRun:
    """`--sweep saturation` (serve/saturation.py) on a loaded engine, every probe saved as it finishes."""
    run = run if run is not None else BenchRun(engine.spec)
    engine.ensure_fixed_length(Generation(sweep.new_tokens, sweep.fixed_length))
    chosen = requests if requests is not None else sweep.requests()

    def measure(concurrency: int, shape: LoadShape) -> BenchCase:
        return measure_case(engine, sweep, chosen, concurrency, shape)

    return saturation_sweep(measure, plan, run, on_case)
