"""Generation speed per preset x attention x batch: TTFT, TPOT, tokens/s, images/s, memory, vision/LM."""

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
    vlm_options: dict[str, Any],
    vlm_models: Any,
    vlm_inputs: Any,
) -> None:
    loaded = vlm_models.get(preset, attn, vlm_options)
    images, prompts = vlm_inputs(batch)
    inputs = loaded.build_inputs(images, prompts)
    new_tokens = vlm_options["new_tokens"]
    measured: list[Any] = []

    def run() -> None:
        measured.append(
            measure_generation(
                loaded, images, prompts, max_new_tokens=new_tokens, fixed_length=True, inputs=inputs
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
    rounds = measured[vlm_options["warmup"] :]  # pedantic calls the target for warm-up rounds too
    benchmark.extra_info.update(extra_info(loaded, rounds, batch, new_tokens, fixed_length=True))
    assert all(n == new_tokens for m in rounds for n in m.output_tokens)
