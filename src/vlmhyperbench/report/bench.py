"""Rendering of speed results (`extra_info` dicts: config / metrics): one rich table row per benchmark.

Takes plain dicts, so it renders a live `vlmhyperbench bench` run and a saved pytest-benchmark JSON alike,
and needs no torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

GIB = 1024**3

# (header, metric or config key, formatter); the row reads like the summary table
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("attn", "config.attn_implementation", "text"),
    ("batch", "config.batch_size", "int"),
    ("TTFT\nms", "metrics.ttft_s", "ms"),
    ("TPOT\nms", "metrics.tpot_s", "ms"),
    ("decode\ntok/s", "metrics.decode_tokens_per_s", "rate"),
    ("output\ntok/s", "metrics.output_tokens_per_s", "rate"),
    ("total\ntok/s", "metrics.total_tokens_per_s", "rate"),
    ("img/s", "metrics.images_per_s", "rate"),
    ("p50\ns", "metrics.latency_s_p50", "s"),
    ("p90\ns", "metrics.latency_s_p90", "s"),
    ("vision\n/ LM", "split", "split"),
    ("alloc\nGiB", "metrics.peak_memory_allocated_bytes", "gib"),
    ("resvd\nGiB", "metrics.peak_memory_reserved_bytes", "gib"),
    ("NVML\nGiB", "metrics.nvml_memory_used_bytes", "gib"),
)


def _lookup(info: Mapping[str, Any], dotted: str) -> Any:
    section, _, key = dotted.partition(".")
    return (info.get(section) or {}).get(key)


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "ms":
        return f"{value * 1000:.1f}"
    if kind == "s":
        return f"{value:.3f}"
    if kind == "rate":
        return f"{value:.1f}" if value < 1000 else f"{value:.0f}"
    if kind == "gib":
        return f"{value / GIB:.2f}"
    if kind == "int":
        return str(int(value))
    return str(value)


def vision_split(metrics: Mapping[str, Any]) -> str:
    """`12% / 88%` of the latency spent in the vision path vs the language model."""
    vision, latency = metrics.get("vision_s"), metrics.get("latency_s")
    if vision is None or not latency:
        return "–"
    share = round(100 * vision / latency)
    return f"{share}/{100 - share}%"


def bench_table(infos: Iterable[Mapping[str, Any]], title: str | None = None) -> Table:
    """One row per benchmark `extra_info`; memory columns are dropped when no row has them (CPU)."""
    rows = list(infos)
    columns = [c for c in COLUMNS if c[2] != "gib" or any(_lookup(info, c[1]) is not None for info in rows)]
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True, pad_edge=False)
    for header, _, kind in columns:
        table.add_column(header, justify="left" if kind == "text" else "right", no_wrap=True)
    for info in rows:
        cells = []
        for _, key, kind in columns:
            if kind == "split":
                cells.append(vision_split(info.get("metrics") or {}))
            else:
                cells.append(format_value(_lookup(info, key), kind))
        table.add_row(*cells)
    return table


def bench_title(infos: Iterable[Mapping[str, Any]]) -> str:
    first = next(iter(infos), None)
    if first is None:
        return "vlmhyperbench bench"
    config = first.get("config") or {}
    length = "fixed length, EOS ignored" if config.get("fixed_length") else "variable length"
    return (
        f"{config.get('model') or config.get('preset')} · {config.get('dtype')} · {config.get('device')} · "
        f"{config.get('image_tokens')} image tokens · {config.get('new_tokens')} new tokens ({length}) · "
        "vision/LM = share of latency"
    )


def print_bench(infos: Iterable[Mapping[str, Any]], console: Console) -> None:
    rows = list(infos)
    console.print(bench_table(rows, title=bench_title(rows)))
