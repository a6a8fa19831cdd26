"""Generation speed per preset x attention x runner x batch: TTFT, TPOT, tokens/s, images/s, memory,
vision/LM, and a runner's compile time apart from its steady-state rounds."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from vlmhyperbench.perf import extra_info, measure_generation


def test_generate(
    benchmark: Any,
    preset: str,
    attn: str,
    batch: int,
    runner: str,
    vlm_options: dict[str, Any],
    vlm_models: Any,
    vlm_inputs: Any,
) -> None:
    loaded = vlm_models.get(preset, attn, vlm_options)
    images, prompts = vlm_inputs(batch)
    inputs = loaded.build_inputs(images, prompts)
    new_tokens = vlm_options["new_tokens"]
    # only a runner other than stock generate is passed: a release older than runner modes runs the rest
    runner_kwargs = {} if runner == "generate" else {"runner": runner}
    measured: list[Any] = []

    def run() -> None:
        measured.append(
            measure_generation(
                loaded,
                images,
                prompts,
                max_new_tokens=new_tokens,
                fixed_length=True,
                inputs=inputs,
                **runner_kwargs,
            )
        )

    benchmark.group = f"{preset} b{batch}"  # as `vlmhyperbench bench` groups it (SpeedCase.group)
    out_of_memory = ""
    try:
        benchmark.pedantic(
            run, rounds=vlm_options["rounds"], warmup_rounds=vlm_options["warmup"], iterations=1
        )
    except torch.cuda.OutOfMemoryError as exc:  # a capacity fact of this GPU, not a broken benchmark
        out_of_memory = str(exc).strip().splitlines()[0] if str(exc).strip() else "CUDA out of memory"
    if out_of_memory:  # outside the except block, so the failed call's tensors can be freed first
        inputs = None
        measured.clear()
        vlm_models.free_memory()
        pytest.skip(f"out of memory at batch {batch}: {out_of_memory}")
    # pedantic calls the target for warm-up rounds too
    warmups, rounds = measured[: vlm_options["warmup"]], measured[vlm_options["warmup"] :]
    benchmark.extra_info.update(extra_info(loaded, rounds, batch, new_tokens, fixed_length=True))
    benchmark.extra_info["config"]["runner"] = runner  # also where the installed release predates it
    if runner_kwargs:
        from vlmhyperbench.perf.runners import compile_summary

        benchmark.extra_info["runner"] = compile_summary(
            runner, [m.latency_s for m in warmups], [m.latency_s for m in rounds]
        )
    assert all(n == new_tokens for m in rounds for n in m.output_tokens)
