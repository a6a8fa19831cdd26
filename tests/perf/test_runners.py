"""Runner modes: every runner decodes the same greedy tokens as stock `generate`, on every tiny preset.

The tiny presets' default random weights make the Qwen2-VL shrinks repeat one token, which would prove
little; the weights are spread (matrices ~ N(0, 0.2), seeded) so every preset decodes varied tokens, and
the test checks that it does before comparing runners.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from tests.untraced import COVERAGE_VARIABLE
from vlmhyperbench.errors import UsageError
from vlmhyperbench.models import LoadedVLM, load_vlm, preset_names
from vlmhyperbench.perf import document_pages
from vlmhyperbench.perf.generation import generate_kwargs
from vlmhyperbench.perf.runners import (
    RUNNERS,
    case_suffix,
    check_warmup,
    compile_summary,
    get_runner,
    parse_runners,
)
from vlmhyperbench.registry import UnknownNameError

PROMPTS = ["Extract every field of this document as JSON.", "What is the invoice total?"]
NEW_TOKENS = 8


def test_the_three_runners_in_order() -> None:
    assert RUNNERS.names() == ["generate", "static", "compiled"]
    with pytest.raises(
        UnknownNameError, match=r"Unknown runner 'graphs'\. Available: generate, static, compiled"
    ):
        get_runner("graphs")


def test_parse_runners_names_the_unknown_one() -> None:
    assert parse_runners(" generate, compiled ") == ["generate", "compiled"]
    with pytest.raises(
        UsageError, match=r"Unknown runner 'cudagraph'\. Available: generate, static, compiled"
    ):
        parse_runners("generate,cudagraph")
    with pytest.raises(UsageError, match="no runner given"):
        parse_runners(" , ")


def test_compiled_runner_needs_a_warmup_round() -> None:
    check_warmup("compiled", 1)
    check_warmup("static", 0)
    with pytest.raises(UsageError, match="'compiled' needs at least one warm-up round"):
        check_warmup("compiled", 0)


def test_generate_arguments_of_each_runner() -> None:
    assert get_runner("generate").generate_kwargs("cuda") == {}
    assert get_runner("static").generate_kwargs("cuda") == {
        "cache_implementation": "static",
        "disable_compile": True,  # transformers would otherwise compile it on a GPU
    }
    on_gpu = get_runner("compiled").generate_kwargs("cuda")
    assert on_gpu["cache_implementation"] == "static" and on_gpu["compile_config"].mode == "reduce-overhead"
    on_cpu = get_runner("compiled").generate_kwargs("cpu")["compile_config"]
    assert on_cpu.mode == "default" and on_cpu._compile_all_devices


def test_stock_generate_keeps_its_old_benchmark_ids() -> None:
    assert case_suffix("generate") == "" and case_suffix("compiled") == "-compiled"


def test_compile_time_is_the_first_call_over_the_steady_state() -> None:
    summary = compile_summary("compiled", [12.5, 1.1], [1.0, 2.0, 1.5])
    assert summary["compile_s"] == pytest.approx(11.0) and summary["first_call_s"] == 12.5
    assert compile_summary("generate", [0.9], [1.0])["compile_s"] == 0.0  # noise never goes negative
    assert compile_summary("static", [], [1.0])["compile_s"] is None


def _spread(loaded: LoadedVLM) -> LoadedVLM:
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter in loaded.model.parameters():
            if parameter.dim() >= 2:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.2)
    return loaded


@pytest.fixture(scope="module", params=preset_names(tiny=True))
def tiny(request: pytest.FixtureRequest) -> tuple[LoadedVLM, Any, list[list[int]]]:
    """A tiny preset with spread weights, its inputs, and stock generate's greedy tokens."""
    loaded = _spread(load_vlm(f"dummy:{request.param}", device="cpu", attn_implementation="sdpa"))
    inputs = loaded.build_inputs(document_pages(2), PROMPTS)
    expected = _greedy(loaded, inputs, "generate")
    assert len({token for row in expected for token in row}) > 2, f"{request.param} decodes one token"
    return loaded, inputs, expected


def _greedy(loaded: LoadedVLM, inputs: Any, runner: str) -> list[list[int]]:
    with torch.inference_mode():
        output = loaded.model.generate(**inputs, **generate_kwargs(loaded, NEW_TOKENS, True, runner))
    return [[int(t) for t in row] for row in output[:, inputs["input_ids"].shape[1] :]]


def test_static_runner_decodes_the_tokens_of_generate(tiny: tuple[LoadedVLM, Any, list[list[int]]]) -> None:
    loaded, inputs, expected = tiny
    assert _greedy(loaded, inputs, "static") == expected


# torch.compile on a CPU: minutes for the first preset (C++ kernels), then cached in the process; one
# xdist worker runs every preset, so the kernels are built once, not once per worker. Untraced by
# coverage (no_cover, and its compiler's subprocesses): what runs is torch's compiler, and our one line
# (the runner's generate arguments) is measured by the tests above; traced, it took twice the CPU.
@pytest.mark.slow
@pytest.mark.no_cover
@pytest.mark.xdist_group("torch-compile")
def test_compiled_runner_decodes_the_tokens_of_generate(
    tiny: tuple[LoadedVLM, Any, list[list[int]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(COVERAGE_VARIABLE, raising=False)
    loaded, inputs, expected = tiny
    assert _greedy(loaded, inputs, "compiled") == expected
    assert _greedy(loaded, inputs, "compiled") == expected  # the second call runs the compiled step
