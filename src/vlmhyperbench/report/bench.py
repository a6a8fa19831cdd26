"""Rendering of speed results (`extra_info` dicts: config / metrics): one rich table row per benchmark.

The figure columns derive from the declarations in `vlmhyperbench.figures`. Takes plain dicts, so it
renders a live `vlmhyperbench bench` run and a saved pytest-benchmark JSON alike, and needs no torch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vlmhyperbench.figures import FIGURES, Figure
from vlmhyperbench.report.format import MISSING, in_column, md_escape, md_row, number, print_full_width, ratio


@dataclass(frozen=True)
class Column:
    """One column of the speed table: its title (lines split by newline) and how a row's cell is written."""

    title: str
    cell: Callable[[Mapping[str, Any]], str]
    value: Callable[[Mapping[str, Any]], Any] = lambda row: None
    optional: bool = False  # shown only when some row has a value (memory on GPUs, --overhead)
    config: bool = False  # describes the case, so it stays filled on a row that could not run
    text: bool = False  # left-aligned


def _section(row: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section: Mapping[str, Any] = row.get(name) or {}
    return section


def _config_column(title: str, key: str, text: bool = False) -> Column:
    return Column(title, lambda row: number(_section(row, "config").get(key)), config=True, text=text)


def _figure_column(figure: Figure, stat: str) -> Column:
    def value(row: Mapping[str, Any]) -> Any:
        return _section(row, "metrics").get(figure.key(stat))

    title = f"{figure.column_title(stat)}\n{figure.display_unit}"
    return Column(title, lambda row: in_column(value(row), figure), value, optional=figure.optional)


def vision_split(metrics: Mapping[str, Any]) -> str:
    """`12/88%` of the latency spent in the vision path vs the language model."""
    vision, latency = metrics.get("vision_s"), metrics.get("latency_s")
    if vision is None or not latency:
        return MISSING
    share = round(100 * vision / latency)
    return f"{share}/{100 - share}%"


def _runner(row: Mapping[str, Any]) -> str:
    return str(_section(row, "config").get("runner") or "generate")


def runner_columns() -> list[Column]:
    """The runner (vlmhyperbench.perf.runners) and its compile time: shown only when some row ran another
    runner than stock generate, so a plain sweep's table is what it always was."""

    def other(row: Mapping[str, Any]) -> str | None:
        return None if _runner(row) == "generate" else _runner(row)

    def compile_s(row: Mapping[str, Any]) -> Any:
        return _section(row, "runner").get("compile_s") if other(row) else None

    return [
        Column("runner", _runner, other, optional=True, config=True, text=True),
        Column("compile\ns", lambda row: number(compile_s(row)), compile_s, optional=True),
    ]


def columns() -> list[Column]:
    """Config, then every figure's columns in registry order, the vision/LM split, memory and the overhead.

    Built from `vlmhyperbench.figures.FIGURES` on each call, so a newly declared figure gets its column.
    """
    figures = [_figure_column(figure, stat) for figure in FIGURES for stat in figure.table_stats]

    def overhead(row: Mapping[str, Any]) -> Any:
        return _section(row, "overhead").get("ratio")

    return [
        _config_column("attn", "attn_implementation", text=True),
        _config_column("batch", "batch_size"),
        *runner_columns(),
        *[c for c in figures if not c.optional],
        Column("vision\n/ LM", lambda row: vision_split(_section(row, "metrics"))),
        *[c for c in figures if c.optional],
        Column("vs bare\ntok/s", lambda row: ratio(overhead(row)), overhead, optional=True),
    ]


def table_columns(rows: list[Mapping[str, Any]]) -> list[Column]:
    """The columns worth showing for these rows: optional ones only where some row has a value."""
    return [c for c in columns() if not c.optional or any(c.value(row) is not None for row in rows)]


def table_cells(row: Mapping[str, Any], shown: list[Column]) -> list[str]:
    """One row's cells; a case that could not run shows why (the error's head) where its figures would be."""
    cells: list[str] = []
    reason = str(row["error"]).split(":")[0] if row.get("error") else None
    for column in shown:
        if reason is not None and not column.config:
            cells.append(reason)
            reason = ""
        else:
            cells.append(column.cell(row))
    return cells


def bench_table(infos: Iterable[Mapping[str, Any]], title: str | None = None) -> Table:
    """One row per benchmark `extra_info`; optional columns (memory, overhead) only where measured."""
    rows = list(infos)
    shown = table_columns(rows)
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True, pad_edge=False)
    for column in shown:
        table.add_column(column.title, justify="left" if column.text else "right", no_wrap=True)
    for row in rows:
        table.add_row(*table_cells(row, shown))
    return table


def bench_markdown(infos: Iterable[Mapping[str, Any]]) -> str:
    """The same table as GitHub Markdown, with the title line above it: for notes and pull requests."""
    rows = list(infos)
    shown = table_columns(rows)
    aligns = [":--" if column.text else "--:" for column in shown]
    lines = [
        f"**{md_escape(bench_title(rows))}**",
        "",
        md_row(c.title for c in shown),
        "|" + "|".join(aligns) + "|",
    ]
    lines += [md_row(table_cells(row, shown)) for row in rows]
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
    print_full_width(bench_table(rows, title=escape(bench_title(rows))), console)
