"""`measure_generation`: one batched, greedy `generate`, timed (TTFT, per-token marks, vision split) and
memory-tracked; `bare_generate` runs the same call with nothing attached, to prove our overhead.

Fixed-length runs (the default for speed) set `min_new_tokens == max_new_tokens`, so EOS is ignored and
every sequence decodes exactly `max_new_tokens`; results say so (`fixed_length`).

Test-only: `VLMHYPERBENCH_TEST_SLOWDOWN=0.10` makes every measured generate 10 % slower inside the
timed region (a busy-wait after generate, before the timer stops), so regression detection can be
tested end to end. Never set it for real measurements.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import torch

from vlmhyperbench.perf.energy import open_energy_counter, track_energy
from vlmhyperbench.perf.hooks import TokenMarks, VisionMarks
from vlmhyperbench.perf.measurement import GenerationMeasurement
from vlmhyperbench.perf.memory import MemoryTracker
from vlmhyperbench.perf.runners import DEFAULT_RUNNER, get_runner
from vlmhyperbench.perf.stats import check_rounds
from vlmhyperbench.perf.timing import busy_wait, clock_for

_F = TypeVar("_F", bound=Callable[..., Any])


def _inference_mode(fn: _F) -> _F:
    """`@torch.inference_mode()` that keeps the signature for mypy, with torch typed or not."""
    return cast(_F, torch.inference_mode()(fn))


SLOWDOWN_ENV_VAR = "VLMHYPERBENCH_TEST_SLOWDOWN"


def slowdown_fraction() -> float:
    """The test-only slowdown fraction from the environment (0 when unset)."""
    raw = os.environ.get(SLOWDOWN_ENV_VAR, "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{SLOWDOWN_ENV_VAR} must be a fraction such as 0.10, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{SLOWDOWN_ENV_VAR} must not be negative, got {raw!r}")
    return value


def generate_kwargs(
    loaded: Any, max_new_tokens: int, fixed_length: bool, runner: str = DEFAULT_RUNNER
) -> dict[str, Any]:
    """The greedy generate arguments every measured (and bare) call uses, plus the runner's
    (perf/runners.py)."""
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be at least 1, got {max_new_tokens}")
    kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "do_sample": False}
    if fixed_length:
        kwargs["min_new_tokens"] = max_new_tokens
    kwargs.update(get_runner(runner).generate_kwargs(loaded.device.type))
    return kwargs


def count_output_tokens(new_ids: torch.Tensor, eos_ids: set[int], fixed_length: bool) -> list[int]:
    """New tokens per sequence, up to and including its first EOS (all of them in fixed-length runs)."""
    rows, width = new_ids.shape
    if fixed_length or not eos_ids:
        return [int(width)] * rows
    is_eos = torch.zeros_like(new_ids, dtype=torch.bool)
    for eos in eos_ids:
        is_eos |= new_ids == eos
    counts = []
    for row in is_eos.cpu():
        hits = row.nonzero()
        counts.append(int(hits[0]) + 1 if len(hits) else int(width))
    return counts


def _eos_ids(loaded: Any) -> set[int]:
    eos = loaded.model.generation_config.eos_token_id
    if eos is None:
        return set()
    return {int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos])}


@_inference_mode
def measure_generation(
    loaded: Any,
    images: list[Any],
    prompts: list[str],
    max_new_tokens: int = 128,
    fixed_length: bool = True,
    inputs: Any = None,
    runner: str = DEFAULT_RUNNER,
) -> GenerationMeasurement:
    """Run one batched greedy `generate` of (image, prompt) pairs and measure it.

    `inputs` (from `loaded.build_inputs`) may be passed to skip preprocessing between rounds; `runner`
    names how generate decodes (perf/runners.py).
    """
    if inputs is None:
        inputs = loaded.build_inputs(images, prompts)
    kwargs = generate_kwargs(loaded, max_new_tokens, fixed_length, runner)
    slowdown = slowdown_fraction()
    clock = clock_for(loaded.device)
    tokens = TokenMarks(clock)
    vision = VisionMarks(clock)
    memory_tracker = MemoryTracker(loaded.device)

    energy_counter = open_energy_counter(loaded.device)  # opened before the clock starts
    with (
        track_energy(energy_counter) as energy,
        memory_tracker.track() as memory,
        vision.attach(loaded.vision_modules()),
    ):
        clock.synchronize()
        start = clock.mark()
        wall_start = time.perf_counter()
        output = loaded.model.generate(**inputs, streamer=tokens, **kwargs)
        if slowdown:
            clock.synchronize()
            busy_wait((time.perf_counter() - wall_start) * slowdown)
        end = clock.mark()
        clock.synchronize()

    prompt_len = inputs["input_ids"].shape[1]
    new_ids = output[:, prompt_len:]
    output_tokens = count_output_tokens(new_ids, _eos_ids(loaded), fixed_length)
    token_times = [clock.seconds(start, m) for m in tokens.marks]
    latency = clock.seconds(start, end)
    image_token_id = getattr(loaded, "image_token_id", None)
    n_images = len(images) if images else int(inputs["input_ids"].shape[0])
    image_tokens = (
        int((inputs["input_ids"] == image_token_id).sum()) // n_images if image_token_id is not None else None
    )
    texts = loaded.processor.batch_decode(
        [row[:n] for row, n in zip(new_ids, output_tokens, strict=True)], skip_special_tokens=True
    )
    return GenerationMeasurement(
        texts=list(texts),
        input_tokens=[int(n) for n in inputs["attention_mask"].sum(dim=1).tolist()],
        output_tokens=output_tokens,
        ttft_s=token_times[0] if token_times else latency,
        latency_s=latency,
        images=n_images,
        new_tokens=max_new_tokens,
        fixed_length=fixed_length,
        token_times_s=token_times,
        vision_s=vision.seconds(),
        peak_memory_allocated_bytes=memory.peak_allocated_bytes,
        peak_memory_reserved_bytes=memory.peak_reserved_bytes,
        nvml_memory_used_bytes=memory.nvml_used_bytes,
        clock=clock.name,
        image_tokens=image_tokens,
        energy_j=energy.joules,
        energy_reason=energy.reason,
    )


@_inference_mode
def bare_generate(
    loaded: Any,
    inputs: Any,
    max_new_tokens: int = 128,
    fixed_length: bool = True,
    runner: str = DEFAULT_RUNNER,
) -> float:
    """The same `generate` (same runner) with no streamer, hooks or memory tracking; returns seconds
    (synchronised)."""
    kwargs = generate_kwargs(loaded, max_new_tokens, fixed_length, runner)
    cuda = loaded.device.type == "cuda"
    if cuda:
        torch.cuda.synchronize(loaded.device)
    start = time.perf_counter()
    loaded.model.generate(**inputs, **kwargs)
    if cuda:
        torch.cuda.synchronize(loaded.device)
    return time.perf_counter() - start


def measure_rounds(
    loaded: Any,
    images: list[Any],
    prompts: list[str],
    max_new_tokens: int = 128,
    fixed_length: bool = True,
    rounds: int = 3,
    warmup: int = 1,
    runner: str = DEFAULT_RUNNER,
) -> list[GenerationMeasurement]:
    """`warmup` unmeasured calls (a compiled runner compiles in the first), then `rounds` measured ones on
    the same preprocessed inputs."""
    check_rounds(rounds, warmup, max_new_tokens)
    inputs = loaded.build_inputs(images, prompts)
    for _ in range(warmup):
        measure_generation(
            loaded, images, prompts, max_new_tokens, fixed_length, inputs=inputs, runner=runner
        )
    return [
        measure_generation(
            loaded, images, prompts, max_new_tokens, fixed_length, inputs=inputs, runner=runner
        )
        for _ in range(rounds)
    ]
