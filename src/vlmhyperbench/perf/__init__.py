"""Speed measurement: timed, memory-tracked `generate` calls and their aggregated figures.

    m = measure_generation(loaded, images, prompts, max_new_tokens=128, fixed_length=True)
    metrics = summarize([m, ...])

`run_bench` / `bench_engine` sweep batch sizes through any engine (`vlmhyperbench.engines`).

Value classes (`GenerationMeasurement`, `Samples`, `Memory`) are kept apart from what measures them
(clocks, hooks, `MemoryTracker`).
"""

from __future__ import annotations

from vlmhyperbench.env.torch_guard import require_torch

require_torch("vlmhyperbench.perf")

from vlmhyperbench.engines.hf import is_out_of_memory  # noqa: E402
from vlmhyperbench.perf.bench import (  # noqa: E402
    BenchCase,
    BenchRun,
    SweepSettings,
    bench_engine,
    document_pages,
    parse_batches,
    run_bench,
    speed_record,
)
from vlmhyperbench.perf.generation import (  # noqa: E402
    SLOWDOWN_ENV_VAR,
    bare_generate,
    measure_generation,
    measure_rounds,
)
from vlmhyperbench.perf.hooks import TokenMarks, VisionMarks  # noqa: E402
from vlmhyperbench.perf.measurement import GenerationMeasurement  # noqa: E402
from vlmhyperbench.perf.memory import Memory, MemoryTracker  # noqa: E402
from vlmhyperbench.perf.stats import Samples, percentile  # noqa: E402
from vlmhyperbench.perf.summary import (  # noqa: E402
    OVERHEAD_GOAL,
    bench_config,
    extra_info,
    overhead_summary,
    per_round,
    summarize,
)
from vlmhyperbench.perf.timing import clock_for  # noqa: E402

__all__ = [
    "OVERHEAD_GOAL",
    "SLOWDOWN_ENV_VAR",
    "BenchCase",
    "BenchRun",
    "GenerationMeasurement",
    "Memory",
    "MemoryTracker",
    "Samples",
    "SweepSettings",
    "TokenMarks",
    "VisionMarks",
    "bare_generate",
    "bench_config",
    "bench_engine",
    "clock_for",
    "document_pages",
    "extra_info",
    "is_out_of_memory",
    "measure_generation",
    "measure_rounds",
    "overhead_summary",
    "parse_batches",
    "per_round",
    "percentile",
    "run_bench",
    "speed_record",
    "summarize",
]
