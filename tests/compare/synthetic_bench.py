"""A pytest-benchmark module run in a subprocess by conftest.py to produce real result files.

Its figures follow contract 3 (config / metrics / rounds in extra_info) and are drawn from a seeded log-normal
noise around fixed values; SYNTH_SLOWDOWN makes every round's time that fraction longer.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

SLOWDOWN = float(os.environ.get("SYNTH_SLOWDOWN", "0"))
SEED = int(os.environ.get("SYNTH_SEED", "0"))
ROUNDS = int(os.environ.get("SYNTH_ROUNDS", "10"))
DTYPE = os.environ.get("SYNTH_DTYPE", "float32")
NEW_TOKENS = 32


@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize("preset", ["tiny-qwen2-vl", "tiny-llava"])
def test_generate(benchmark: BenchmarkFixture, preset: str, batch_size: int) -> None:
    rng = np.random.default_rng([SEED, batch_size, len(preset)])
    ttft = 0.02 * batch_size * rng.lognormal(0.0, 0.02, ROUNDS)
    latency = (ttft + 0.2 * batch_size * rng.lognormal(0.0, 0.02, ROUNDS)) * (1.0 + SLOWDOWN)
    decoded = batch_size * (NEW_TOKENS - 1)
    rounds = {
        "ttft_s": ttft.tolist(),
        "tpot_s": ((latency - ttft) / (NEW_TOKENS - 1)).tolist(),
        "decode_tokens_per_s": (decoded / (latency - ttft)).tolist(),
        "output_tokens_per_s": (batch_size * NEW_TOKENS / latency).tolist(),
        "images_per_s": (batch_size / latency).tolist(),
        "latency_s": latency.tolist(),
        "peak_memory_allocated_bytes": [50_000_000 * batch_size] * ROUNDS,
        "nvml_memory_used_bytes": [None] * ROUNDS,
    }
    benchmark.extra_info["config"] = {
        "preset": preset,
        "dtype": DTYPE,
        "attn_implementation": "sdpa",
        "batch_size": batch_size,
        "image_tokens": 64,
        "new_tokens": NEW_TOKENS,
        "fixed_length": True,
        "device": "cpu",
    }
    benchmark.extra_info["metrics"] = {name: values[0] for name, values in rounds.items()}
    benchmark.extra_info["rounds"] = rounds
    benchmark.pedantic(lambda: None, rounds=3)
