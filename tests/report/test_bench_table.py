"""The speed table renders saved extra_info dicts; memory columns only when a GPU measured them."""

from __future__ import annotations

from rich.console import Console

from vlmhyperbench.report.bench import bench_table, format_value, print_bench, vision_split

GIB = 1024**3


def _info(alloc: int | None) -> dict:
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


def _render(infos: list[dict]) -> str:
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
    assert format_value(None, "ms") == "–"
    assert format_value(1.5 * GIB, "gib") == "1.50"
    assert vision_split({"vision_s": None, "latency_s": 1.0}) == "–"
