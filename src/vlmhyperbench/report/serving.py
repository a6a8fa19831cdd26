"""The serving table: one row per (request rate, concurrency) case, columns from `figures.SERVING_FIGURES`.

Takes the cases' `extra_info` dicts (`serving` is `serve.bench.serving_figures`), so it renders a live
`bench --model openai:...` run and a saved result alike. Needs no torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vlmhyperbench.figures import SERVING_FIGURES
from vlmhyperbench.report.format import in_column, md_escape, md_row, number, print_full_width

CASE_KEYS = (("rate", "request_rate"), ("conc.", "concurrency"), ("done", "completed"), ("failed", "failed"),
             ("retries", "retries"), ("max in\nflight", "max_concurrent"))  # fmt: skip


def _serving(info: Mapping[str, Any]) -> Mapping[str, Any]:
    section: Mapping[str, Any] = info.get("serving") or {}
    return section


def serving_columns(infos: list[Mapping[str, Any]]) -> list[tuple[str, Any]]:
    """(title, cell function) per column; optional figures (goodput, ITL) only where some case has them."""
    columns: list[tuple[str, Any]] = [
        (title, lambda s, key=key: number(s.get(key))) for title, key in CASE_KEYS
    ]
    for figure in SERVING_FIGURES:
        for stat in figure.table_stats:
            key = figure.key(stat)
            if figure.optional and all(_serving(i).get(key) is None for i in infos):
                continue
            title = f"{figure.column}{'' if stat == figure.aggregate else ' ' + stat}\n{figure.display_unit}"
            columns.append((title, lambda s, key=key, figure=figure: in_column(s.get(key), figure)))
    return columns


def serving_rows(infos: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    cases = [i for i in infos if i.get("serving")]
    columns = serving_columns(cases)
    return [t for t, _ in columns], [[cell(_serving(i)) for _, cell in columns] for i in cases]


def serving_title(infos: Iterable[Mapping[str, Any]]) -> str:
    first = next((i for i in infos if i.get("serving")), None)
    if first is None:
        return "serving benchmark"
    serving, config = _serving(first), first.get("config") or {}
    varies = " (lengths varied: see output_tokens_min/max)" if serving.get("lengths_vary") else ""
    fixed = "fixed length" if serving.get("fixed_length") else "variable length"
    return (
        f"{config.get('model')} · {serving.get('num_prompts')} requests per case · "
        f"{serving.get('max_tokens')} tokens ({fixed}){varies} · tokens from {serving.get('token_source')}"
    )


def print_serving(infos: Iterable[Mapping[str, Any]], console: Console) -> None:
    rows = list(infos)
    titles, cells = serving_rows(rows)
    if not cells:
        return
    table = Table(title=escape(serving_title(rows)), box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    for title in titles:
        table.add_column(title, justify="right", no_wrap=True)
    for row in cells:
        table.add_row(*row)
    print_full_width(table, console)


def serving_markdown(infos: Iterable[Mapping[str, Any]]) -> str:
    rows = list(infos)
    titles, cells = serving_rows(rows)
    lines = [
        f"**{md_escape(serving_title(rows))}**",
        "",
        md_row(titles),
        "|" + "|".join("--:" for _ in titles) + "|",
    ]
    return "\n".join([*lines, *(md_row(row) for row in cells)]) + "\n"
