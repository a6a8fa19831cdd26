"""Our instrumentation costs nothing measurable: measured tokens/s against a bare `generate` loop.

The same preprocessed inputs, the same greedy fixed-length call; one side runs with our streamer, vision
hooks and memory tracker, the other with nothing attached and a synchronised perf_counter around it.
Rounds alternate so drift on a shared machine hits both sides. Goal: ratio >= 0.98.

A second, noise-free figure bounds the cost from above: the time of the marks we add to one generate
(one per token, four around it and the vision path), timed in a tight loop, over the measured latency.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest

OVERHEAD_GOAL = 0.98


def test_overhead_against_bare_generate(
    benchmark: Any, vlm_options: dict[str, Any], vlm_engines: Any, vlm_queries: Any, vlm_api: Any
) -> None:
    preset = vlm_options["presets"][0]
    attn = "sdpa" if "sdpa" in vlm_options["attns"] else vlm_options["attns"][0]
    batch = vlm_options["batches"][0]
    new_tokens = vlm_options["new_tokens"]
    engine = vlm_engines.get(preset, attn, vlm_options)
    queries = vlm_queries(batch)
    prepared = engine.prepare(queries)
    generation = vlm_api.generation(new_tokens)
    if engine.bare_seconds(prepared, generation) is None:
        pytest.skip(f"engine {engine.name!r} has no bare call to compare against")
    rounds = max(vlm_options["rounds"], 5)
    for _ in range(vlm_options["warmup"]):
        engine.bare_seconds(prepared, generation)
        engine.measure(queries, generation, prepared)

    bare_s: list[float] = []
    measured: list[Any] = []

    def run() -> None:
        # alternate which side goes first, so neither always inherits the other's cache state
        if len(bare_s) % 2:
            measured.append(engine.measure(queries, generation, prepared))
            bare_s.append(engine.bare_seconds(prepared, generation))
        else:
            bare_s.append(engine.bare_seconds(prepared, generation))
            measured.append(engine.measure(queries, generation, prepared))

    benchmark.group = "overhead"
    benchmark.pedantic(run, rounds=rounds, warmup_rounds=0, iterations=1)
    tokens = batch * new_tokens
    bare_tps = tokens / statistics.median(bare_s)
    measured_tps = statistics.median(m.output_tokens_per_s for m in measured)
    ratio = measured_tps / bare_tps
    config = vlm_api.bench_config(engine, batch, new_tokens)
    mark_s = _mark_cost_s(config["device"])
    marks_per_generate = new_tokens + 1 + 4  # streamer puts (prompt + tokens), start/end, vision in/out
    instrumentation_s = marks_per_generate * mark_s
    latency_s = statistics.median(m.latency_s for m in measured)
    benchmark.extra_info.update(
        {
            "config": config,
            "overhead": {
                "bare_tokens_per_s": bare_tps,
                "measured_tokens_per_s": measured_tps,
                "ratio": ratio,
                "mark_cost_s": mark_s,
                "instrumentation_s_per_generate": instrumentation_s,
                "instrumentation_bound_ratio": 1 - instrumentation_s / latency_s,
                "goal": OVERHEAD_GOAL,
                "rounds": rounds,
            },
        }
    )
    # No wall-clock assertion: on a shared CPU the noise exceeds the 2 % goal; the ratio is reported.
    print(
        f"\noverhead: measured {measured_tps:.1f} tok/s vs bare {bare_tps:.1f} tok/s, ratio {ratio:.3f}; "
        f"our marks cost {instrumentation_s * 1e6:.0f} us of a {latency_s * 1e3:.1f} ms generate "
        f"(ratio bound {1 - instrumentation_s / latency_s:.5f})"
    )


def _mark_cost_s(device: Any, n: int = 2000) -> float:
    """Seconds per streamer `put` (a clock mark plus the call), timed in a tight loop."""
    from vlmhyperbench.perf import TokenMarks, clock_for

    marks = TokenMarks(clock_for(device))
    marks.put(None)  # the prompt call records nothing
    clock = clock_for(device)
    clock.synchronize()
    start = time.perf_counter()
    for _ in range(n):
        marks.put(None)
    clock.synchronize()
    return (time.perf_counter() - start) / n
