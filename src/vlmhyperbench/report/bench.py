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
    ("vs bare\ntok/s", "overhead.ratio", "ratio"),
)
# shown only when some row has a value: memory exists on GPUs, the overhead ratio with --overhead
OPTIONAL_KINDS = frozenset({"gib", "ratio"})
CONFIG_KINDS = frozenset({"text", "int"})


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
    if kind == "ratio":
        return f"{value:.3f}"
    return str(value)


def vision_split(metrics: Mapping[str, Any]) -> str:
    """`12% / 88%` of the latency spent in the vision path vs the language model."""
    vision, latency = metrics.get("vision_s"), metrics.get("latency_s")
    if vision is None or not latency:
        return "–"
    share = round(100 * vision / latency)
    return f"{share}/{100 - share}%"


def table_columns(rows: list[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """The columns worth showing for these rows: optional ones only where some row has a value."""
    return [
        c
        for c in COLUMNS
        if c[2] not in OPTIONAL_KINDS or any(_lookup(row, c[1]) is not None for row in rows)
    ]


def table_cells(row: Mapping[str, Any], columns: list[tuple[str, str, str]]) -> list[str]:
    """One row's cells; a case that could not run shows why (the error's head) where its figures would be."""
    cells: list[str] = []
    reason = str(row["error"]).split(":")[0] if row.get("error") else None
    for _, key, kind in columns:
        if reason is not None and kind not in CONFIG_KINDS:
            cells.append(reason)
            reason = ""
        elif kind == "split":
            cells.append(vision_split(row.get("metrics") or {}))
        else:
            cells.append(format_value(_lookup(row, key), kind))
    return cells


def bench_table(infos: Iterable[Mapping[str, Any]], title: str | None = None) -> Table:
    """One row per benchmark `extra_info`; optional columns (memory, overhead) only where measured."""
    rows = list(infos)
    columns = table_columns(rows)
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True, pad_edge=False)
    for header, _, kind in columns:
        table.add_column(header, justify="left" if kind == "text" else "right", no_wrap=True)
    for row in rows:
        table.add_row(*table_cells(row, columns))
    return table


def bench_markdown(infos: Iterable[Mapping[str, Any]]) -> str:
    """The same table as GitHub Markdown, with the title line above it: for notes and pull requests."""
    rows = list(infos)
    columns = table_columns(rows)
    headers = [header.replace("\n", " ") for header, _, _ in columns]
    aligns = [":--" if kind == "text" else "--:" for _, _, kind in columns]
    lines = [f"**{bench_title(rows)}**", "", "| " + " | ".join(headers) + " |", "|" + "|".join(aligns) + "|"]
    for row in rows:
        cells = [cell.replace("|", "\\|") for cell in table_cells(row, columns)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


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
    """Print the table; into a file or pipe at its full width, so no figure is cut to an ellipsis."""
    rows = list(infos)
    table = bench_table(rows, title=bench_title(rows))
    natural = console.measure(table, options=console.options.update_width(1000)).maximum
    if console.is_terminal or natural <= console.width:
        console.print(table)
        return
    width = console.width  # rich clamps print(width=...) to the console's width: widen it for this table
    console.width = natural
    try:
        console.print(table)
    finally:
        console.width = width
