"""The speed table renders saved extra_info dicts; memory columns only when a GPU measured them."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from vlmhyperbench.figures import get_figure
from vlmhyperbench.report.bench import bench_markdown, bench_table, print_bench, vision_split
from vlmhyperbench.report.format import in_column

GIB = 1024**3


def _info(alloc: int | None) -> dict[str, Any]:
    return {
        "config": {
            "model": "dummy:qwen2-vl-2b",
            "preset": "qwen2-vl-2b",
            "attn_implementation": "sdpa",
            "batch_size": 8,
            "image_tokens": 768,
            "new_tokens": 128,
            "fixed_length": True,
            "dtype": "bfloat16",
            "device": "cuda",
        },
        "metrics": {
            "ttft_s": 0.25,
            "tpot_s": 0.02,
            "decode_tokens_per_s": 400.0,
            "output_tokens_per_s": 380.0,
            "total_tokens_per_s": 2500.0,
            "images_per_s": 2.9,
            "latency_s": 2.8,
            "latency_s_p50": 2.8,
            "latency_s_p90": 2.9,
            "vision_s": 0.07,
            "lm_s": 2.73,
            "peak_memory_allocated_bytes": alloc,
            "peak_memory_reserved_bytes": alloc,
            "nvml_memory_used_bytes": alloc,
        },
    }


def _render(infos: list[dict[str, Any]]) -> str:
    console = Console(width=160, record=True)
    print_bench(infos, console)
    return console.export_text()


def test_gpu_row() -> None:
    text = _render([_info(6 * GIB)])
    assert "250.0" in text and "20.0" in text  # TTFT / TPOT in ms
    assert "6.00" in text and "alloc" in text
    assert "768 image tokens" in text and "fixed length" in text
    assert "2/98%" in text or "3/97%" in text  # 2.5 % rounds either way, the parts add to 100


def test_cpu_rows_drop_memory_columns() -> None:
    table = bench_table([_info(None)])
    headers = [str(c.header) for c in table.columns]
    assert not any("GiB" in h for h in headers)


def test_formatting() -> None:
    assert in_column(None, get_figure("ttft_s")) == "-"
    assert in_column(0.25, get_figure("ttft_s")) == "250.0"
    assert in_column(1.5 * GIB, get_figure("memory")) == "1.50"
    assert vision_split({"vision_s": None, "latency_s": 1.0}) == "-"


def test_overhead_column_only_when_measured() -> None:
    with_ratio = {**_info(GIB), "overhead": {"ratio": 0.9931}}
    assert "vs bare" not in _render([_info(GIB)])
    text = _render([with_ratio, _info(GIB)])
    assert "vs bare" in text and "0.993" in text


def test_a_case_that_could_not_run_shows_why() -> None:
    failed = {
        "config": _info(None)["config"] | {"batch_size": 32},
        "error": "out of memory at batch 32: CUDA",
    }
    text = _render([_info(2 * GIB), failed])
    line = next(row for row in text.splitlines() if " 32 " in row)
    assert "out of memory at batch 32" in line and "CUDA" not in line
    assert "sdpa" in line


def test_markdown_table() -> None:
    failed = {"config": _info(None)["config"] | {"batch_size": 32}, "error": "out of memory at batch 32: x"}
    text = bench_markdown([_info(6 * GIB), failed])
    lines = text.splitlines()
    assert lines[0].startswith("**dummy:qwen2-vl-2b · bfloat16 · cuda · 768 image tokens")
    header, rule, first, second = lines[2:]
    assert header.startswith("| attn | batch | TTFT ms | TPOT ms | decode tok/s |")
    assert rule.count("|") == header.count("|") and rule.startswith("|:--|--:|")
    assert first.split(" | ")[:4] == ["| sdpa", "8", "250.0", "20.0"]
    assert "| out of memory at batch 32 |" in second and second.count("|") == header.count("|")


def test_runner_and_compile_columns_only_when_a_runner_is_not_stock_generate() -> None:
    generate = _info(None) | {"runner": {"name": "generate", "compile_s": 0.01}}
    generate["config"] = generate["config"] | {"runner": "generate"}
    compiled = _info(None) | {"runner": {"name": "compiled", "compile_s": 41.25}}
    compiled["config"] = compiled["config"] | {"runner": "compiled"}
    headers = [str(c.header) for c in bench_table([generate]).columns]
    assert "runner" not in headers and not any("compile" in h for h in headers)
    markdown = bench_markdown([generate, compiled])
    assert "| runner | compile s |" in markdown
    assert "| sdpa | 8 | generate | - |" in markdown  # stock generate's compile time is not shown
    assert "| sdpa | 8 | compiled | 41.25 |" in markdown
