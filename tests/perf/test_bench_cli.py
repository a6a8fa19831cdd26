"""`vlmhyperbench bench`: table, pytest-benchmark JSON with the environment, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.perf import parse_batches

runner = CliRunner()

CONFIG_KEYS = {
    "preset",
    "dtype",
    "attn_implementation",
    "batch_size",
    "image_tokens",
    "new_tokens",
    "fixed_length",
    "device",
}
ROUND_FIGURES = {
    "ttft_s",
    "tpot_s",
    "decode_tokens_per_s",
    "output_tokens_per_s",
    "total_tokens_per_s",
    "images_per_s",
    "latency_s",
    "vision_s",
    "lm_s",
    "peak_memory_allocated_bytes",
    "peak_memory_reserved_bytes",
    "nvml_memory_used_bytes",
}


def test_bench_writes_pytest_benchmark_json_with_the_environment(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "bench",
            "--model",
            "dummy:tiny-smolvlm",
            "--batch",
            "1,2",
            "--new-tokens",
            "4",
            "--attn",
            "eager,sdpa",
            "--rounds",
            "2",
            "--warmup",
            "1",
            "--device",
            "cpu",
            "--results",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "TTFT" in result.output and "eager" in result.output and "sdpa" in result.output
    files = list(tmp_path.glob("*/*/0001_bench_*.json"))
    assert len(files) == 1, result.output
    data = json.loads(files[0].read_text())
    assert set(data) == {"machine_info", "commit_info", "benchmarks", "datetime", "version"}
    env = data["machine_info"]["vlmhyperbench"]
    for key in (
        "python",
        "torch",
        "torch_cuda",
        "driver",
        "gpu",
        "transformers",
        "backend",
        "profile",
        "git_sha",
    ):
        assert key in env
    assert data["machine_info"]["cell"] == files[0].parent.parent.name
    assert [b["param"] for b in data["benchmarks"]] == [
        "tiny-smolvlm-eager-b1",
        "tiny-smolvlm-eager-b2",
        "tiny-smolvlm-sdpa-b1",
        "tiny-smolvlm-sdpa-b2",
    ]
    for bench in data["benchmarks"]:
        info = bench["extra_info"]
        assert set(info["config"]) >= CONFIG_KEYS
        assert info["config"]["fixed_length"] is True and info["config"]["new_tokens"] == 4
        assert set(info["rounds"]) == ROUND_FIGURES
        assert len(info["rounds"]["latency_s"]) == 2
        assert info["metrics"]["output_tokens"] == 4
        assert bench["stats"]["rounds"] == 2 and len(bench["stats"]["data"]) == 2
    # a second run numbers its file after the first, as pytest-benchmark's autosave does
    again = runner.invoke(
        app,
        [
            "bench",
            "--model",
            "dummy:tiny-smolvlm",
            "--new-tokens",
            "2",
            "--rounds",
            "1",
            "--warmup",
            "0",
            "--device",
            "cpu",
            "--results",
            str(tmp_path),
        ],
    )
    assert again.exit_code == 0, again.output
    assert len(list(tmp_path.glob("*/*/0002_bench_*.json"))) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "dummy:qwen9"], "Unknown preset 'qwen9'. Available:"),
        (["--model", "dummy:tiny-llava", "--batch", "0"], "batch size must be at least 1, got 0"),
        (["--model", "dummy:tiny-llava", "--batch", "1,x"], "batch size 'x' is not a whole number"),
        (["--model", "dummy:tiny-llava", "--attn", "fast"], "unknown attention implementation 'fast'"),
        (["--model", "dummy:tiny-llava", "--image-size", "big"], "--image-size 'big'"),
        (["--model", "dummy:tiny-llava", "--rounds", "0"], "--rounds >= 1"),
        (["--model", "dummy:tiny-llava", "--device", "meta"], "cannot generate"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args: list[str], message: str, tmp_path: Path) -> None:
    device = [] if "--device" in args else ["--device", "cpu"]
    result = runner.invoke(app, ["bench", *args, *device, "--no-save"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_model_folder_without_config(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "--model", str(tmp_path), "--device", "cpu", "--no-save"])
    assert result.exit_code == 2
    assert "has no config.json" in " ".join(result.output.split())


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_gpu() -> None:
    result = runner.invoke(app, ["bench", "--model", "dummy:tiny-llava", "--device", "cuda", "--no-save"])
    assert result.exit_code == 2
    assert "CUDA is not available" in " ".join(result.output.split())


def test_parse_batches() -> None:
    assert parse_batches("1, 8,32") == [1, 8, 32]
    with pytest.raises(ValueError, match="no batch size"):
        parse_batches(" , ")
