"""Generation speed per preset x attention x runner x batch: TTFT, TPOT, tokens/s, images/s, memory,
vision/LM, and a runner's compile time apart from its steady-state rounds."""

from __future__ import annotations

from typing import Any

import pytest


def test_generate(
    benchmark: Any,
    preset: str,
    attn: str,
    batch: int,
    runner: str,
    vlm_options: dict[str, Any],
    vlm_engines: Any,
    vlm_queries: Any,
    vlm_api: Any,
) -> None:
    engine = vlm_engines.get(preset, attn, vlm_options)
    queries = vlm_queries(batch)
    prepared = engine.prepare(queries)
    generation = vlm_api.generation(vlm_options["new_tokens"], runner)
    measured: list[Any] = []

    def run() -> None:
        measured.append(engine.measure(queries, generation, prepared))

    benchmark.group = f"{preset} b{batch}"  # as `vlmhyperbench bench` groups it (SpeedCase.group)
    out_of_memory = ""
    try:
        benchmark.pedantic(
            run, rounds=vlm_options["rounds"], warmup_rounds=vlm_options["warmup"], iterations=1
        )
    except Exception as exc:  # a capacity fact of this device, not a broken benchmark
        if not engine.is_out_of_memory(exc):
            raise
        out_of_memory = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if out_of_memory:  # outside the except block, so the failed call's tensors can be freed first
        prepared = None
        measured.clear()
        engine.free_memory()
        pytest.skip(f"out of memory at batch {batch}: {out_of_memory}")
    # pedantic calls the target for warm-up rounds too
    warmups, rounds = measured[: vlm_options["warmup"]], measured[vlm_options["warmup"] :]
    benchmark.extra_info.update(
        vlm_api.extra_info(engine, rounds, batch, generation.max_new_tokens, generation.fixed_length, runner)
    )
    if runner != "generate":
        from vlmhyperbench.perf.runners import compile_summary

        benchmark.extra_info["runner"] = compile_summary(
            runner, [m.latency_s for m in warmups], [m.latency_s for m in rounds]
        )
    assert all(n == generation.max_new_tokens for m in rounds for n in m.output_tokens or [])
