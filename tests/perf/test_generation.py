"""measure_generation on a real (tiny) model: structure of the timings, fixed length, hooks, slowdown."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from vlmhyperbench.engines.hf import HFEngine
from vlmhyperbench.models import LoadedVLM, load_vlm
from vlmhyperbench.perf import SLOWDOWN_ENV_VAR, bare_generate, extra_info, measure_generation, measure_rounds
from vlmhyperbench.perf.generation import count_output_tokens

PROMPTS = ["Read the page.", "What is the invoice total?"]


@pytest.fixture(scope="module")
def qwen() -> LoadedVLM:
    return load_vlm("dummy:tiny-qwen2-vl", device="cpu")


def _pages(n: int) -> list[Image.Image]:
    return [Image.new("RGB", (200, 300), "white") for _ in range(n)]


def test_fixed_length_measurement(qwen: LoadedVLM) -> None:
    m = measure_generation(qwen, _pages(2), PROMPTS, max_new_tokens=5, fixed_length=True)
    assert m.output_tokens == [5, 5]
    assert m.batch_size == 2 and m.images == 2 and m.fixed_length
    assert len(m.texts) == 2
    assert len(m.token_times_s) == 5  # one mark per decoding step
    assert m.token_times_s == sorted(m.token_times_s)
    assert m.ttft_s == m.token_times_s[0]
    assert 0 < m.ttft_s <= m.latency_s
    # the vision encoder runs once, inside the prefill, so before the first token
    assert m.vision_s is not None and 0 < m.vision_s < m.ttft_s
    assert m.input_tokens is not None and min(m.input_tokens) > qwen.image_tokens
    assert m.peak_memory_allocated_bytes is None and m.nvml_memory_used_bytes is None  # CPU
    assert m.clock == "perf_counter"
    assert m.image_tokens == qwen.image_tokens == 16


def test_hooks_are_removed_after_measuring(qwen: LoadedVLM) -> None:
    measure_generation(qwen, _pages(1), PROMPTS[:1], max_new_tokens=2)
    first, last = qwen.vision_modules()  # type: ignore[misc]
    assert not first._forward_pre_hooks and not last._forward_hooks


def test_slowdown_hook_lengthens_the_timed_region(qwen: LoadedVLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLOWDOWN_ENV_VAR, "0.5")
    m = measure_generation(qwen, _pages(1), PROMPTS[:1], max_new_tokens=3)
    # the busy-wait is half of the generate time, after the last token and before the timer stops
    assert m.latency_s >= 1.5 * m.token_times_s[-1]


def test_bad_slowdown_value(qwen: LoadedVLM, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLOWDOWN_ENV_VAR, "ten percent")
    with pytest.raises(ValueError, match=SLOWDOWN_ENV_VAR):
        measure_generation(qwen, _pages(1), PROMPTS[:1], max_new_tokens=2)


def test_rounds_and_extra_info_follow_the_contract(qwen: LoadedVLM) -> None:
    rounds = measure_rounds(qwen, _pages(2), PROMPTS, max_new_tokens=3, rounds=2, warmup=1)
    info = extra_info(HFEngine.from_loaded(qwen), rounds, batch_size=2, new_tokens=3, fixed_length=True)
    assert info["config"] == {
        "preset": "tiny-qwen2-vl",
        "model": "dummy:tiny-qwen2-vl",
        "dtype": "float32",
        "attn_implementation": "sdpa",
        "batch_size": 2,
        "image_tokens": 16,
        "image_size": [112, 112],
        "new_tokens": 3,
        "fixed_length": True,
        "device": "cpu",
        "engine": "hf",
        "runner": "generate",
    }
    assert len(info["rounds"]["latency_s"]) == 2
    for name in (
        "ttft_s",
        "tpot_s",
        "decode_tokens_per_s",
        "output_tokens_per_s",
        "images_per_s",
        "latency_s_p50",
        "latency_s_p90",
        "latency_s_p99",
        "vision_s",
        "lm_s",
    ):
        assert info["metrics"][name] > 0, name
    with pytest.raises(ValueError, match="rounds >= 1"):
        measure_rounds(qwen, _pages(1), PROMPTS[:1], rounds=0)


def test_bare_generate_runs_the_same_call(qwen: LoadedVLM) -> None:
    inputs = qwen.build_inputs(_pages(1), PROMPTS[:1])
    assert bare_generate(qwen, inputs, max_new_tokens=2) > 0
    with pytest.raises(ValueError, match="max_new_tokens"):
        bare_generate(qwen, inputs, max_new_tokens=0)


def test_output_tokens_stop_at_first_eos() -> None:
    new = torch.tensor([[5, 9, 2, 0], [5, 6, 7, 8], [2, 0, 0, 0]])
    assert count_output_tokens(new, {2}, fixed_length=False) == [3, 4, 1]
    assert count_output_tokens(new, {2}, fixed_length=True) == [4, 4, 4]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_measurement_uses_events_and_records_memory() -> None:
    loaded = load_vlm("dummy:tiny-qwen2-vl", device="cuda", dtype="bfloat16")
    m = measure_generation(loaded, _pages(2), PROMPTS, max_new_tokens=4)
    assert m.clock == "cuda_event"
    assert m.output_tokens == [4, 4]
    assert m.vision_s is not None and m.ttft_s is not None and m.latency_s is not None
    assert 0 < m.vision_s < m.ttft_s <= m.latency_s
    assert m.peak_memory_allocated_bytes and m.peak_memory_reserved_bytes
    assert m.peak_memory_reserved_bytes >= m.peak_memory_allocated_bytes
    assert m.nvml_memory_used_bytes is None or m.nvml_memory_used_bytes >= m.peak_memory_reserved_bytes
