"""`vlmhyperbench bench`: table, pytest-benchmark JSON with the environment, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.figures import FIGURES
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
    assert set(data) == {
        "machine_info",
        "commit_info",
        "benchmarks",
        "datetime",
        "version",
        "vlmhyperbench_schema",
    }
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
        assert list(info["rounds"]) == FIGURES.names()  # every declared figure, in order
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
        # a typo in the last implementation stops the run before the first one is measured
        (["--model", "dummy:tiny-llava", "--attn", "eager,fast"], "unknown attention implementation 'fast'"),
        (["--model", "dummy:tiny-llava", "--image-size", "big"], "--image-size 'big'"),
        (["--model", "dummy:tiny-llava", "--rounds", "0"], "need rounds >= 1"),
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


def test_overhead_and_markdown(tmp_path: Path) -> None:
    table = tmp_path / "table.md"
    result = runner.invoke(
        app,
        [
            "bench",
            "--model",
            "dummy:tiny-qwen2-vl",
            "--batch",
            "1,2",
            "--new-tokens",
            "3",
            "--rounds",
            "2",
            "--warmup",
            "0",
            "--device",
            "cpu",
            "--overhead",
            "--markdown",
            str(table),
            "--results",
            str(tmp_path / "results"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "vs bare" in result.output
    lines = table.read_text().splitlines()
    assert (
        lines[0].startswith("**dummy:tiny-qwen2-vl")
        and "3 new tokens (fixed length, EOS ignored)" in lines[0]
    )
    assert len(lines) == 2 + 2 + 2 and "vs bare tok/s" in lines[2]
    assert [line.split(" | ")[1] for line in lines[4:]] == ["1", "2"]
    (saved,) = (tmp_path / "results").glob("*/*/0001_bench_*.json")
    for bench in json.loads(saved.read_text())["benchmarks"]:
        assert bench["extra_info"]["overhead"]["rounds"] == 2


def test_an_interrupted_sweep_keeps_the_cases_it_finished(tmp_path: Path) -> None:
    """Results are saved after every case; Ctrl-C prints the table so far and exits 130."""
    import os
    import signal
    import subprocess
    import sys
    import time

    results = tmp_path / "results"
    command = [
        sys.executable,
        "-c",
        "from vlmhyperbench.cli import main; main()",
        "bench",
        "--model",
        "dummy:tiny-llava",
        "--batch",
        ",".join(["1"] * 50),
        "--new-tokens",
        "2",
        "--rounds",
        "2",
        "--warmup",
        "0",
        "--device",
        "cpu",
        "--results",
        str(results),
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 300
        files: list[Path] = []
        while not files and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            files = list(results.glob("*/*/0001_bench_*.json"))
        assert files, "no result file appeared while the sweep ran"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    flat = " ".join(err.split())
    assert "interrupted: " in flat and ("finished case(s) are saved in" in flat or " holds " in flat), err
    data = json.loads(files[0].read_text())  # whole JSON: written through a rename
    kept = len(data["benchmarks"])
    assert 1 <= kept < 50
    assert out.count("tiny-llava") >= 1 and f"results: {files[0]}" in " ".join(out.split())
    assert not list(results.glob("*/*/.*.partial"))
