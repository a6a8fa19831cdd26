"""Generation speed per preset x attention x batch: TTFT, TPOT, tokens/s, images/s, memory, vision/LM."""

from __future__ import annotations

from typing import Any

from vlmhyperbench.perf import extra_info, measure_generation


def test_generate(
    benchmark: Any, vlm_case: Any, vlm_options: dict[str, Any], vlm_models: Any, vlm_inputs: Any
) -> None:
    loaded = vlm_models.get(vlm_case.preset, vlm_case.attn, vlm_options)
    images, prompts = vlm_inputs(vlm_case.batch)
    inputs = loaded.build_inputs(images, prompts)
    new_tokens = vlm_options["new_tokens"]
    measured: list[Any] = []

    def run() -> None:
        measured.append(
            measure_generation(
                loaded, images, prompts, max_new_tokens=new_tokens, fixed_length=True, inputs=inputs
            )
        )

    benchmark.group = f"{vlm_case.preset} b{vlm_case.batch}"
    benchmark.pedantic(run, rounds=vlm_options["rounds"], warmup_rounds=vlm_options["warmup"], iterations=1)
    rounds = measured[vlm_options["warmup"] :]  # pedantic calls the target for warm-up rounds too
    benchmark.extra_info.update(extra_info(loaded, rounds, vlm_case.batch, new_tokens, fixed_length=True))
    assert all(n == new_tokens for m in rounds for n in m.output_tokens)
