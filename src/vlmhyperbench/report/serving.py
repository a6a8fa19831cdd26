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

CASE_KEYS = (("load", "load_shape"), ("conc.", "concurrency"), ("done", "completed"), ("failed", "failed"),
             ("retries", "retries"), ("max in\nflight", "max_concurrent"),
             ("sent\nreq/s", "achieved_send_rate"))  # fmt: skip


def _serving(info: Mapping[str, Any]) -> Mapping[str, Any]:
    section: Mapping[str, Any] = info.get("serving") or {}
    return section


def serving_columns(infos: list[Mapping[str, Any]]) -> list[tuple[str, Any]]:
    """(title, cell function) per column; optional figures (goodput, ITL) only where some case has them."""
    columns: list[tuple[str, Any]] = [
        (title, lambda s, key=key: number(s.get(key) if key != "load_shape" else load_label(s)))
        for title, key in CASE_KEYS
    ]
    for figure in SERVING_FIGURES:
        for stat in figure.table_stats:
            key = figure.key(stat)
            if figure.optional and all(_serving(i).get(key) is None for i in infos):
                continue
            title = f"{figure.column}{'' if stat == figure.aggregate else ' ' + stat}\n{figure.display_unit}"
            columns.append((title, lambda s, key=key, figure=figure: in_column(s.get(key), figure)))
    return columns


def load_label(serving: Mapping[str, Any]) -> str:
    """How the case's requests were sent: `r4`, `r4-b0.5`, `ramp-linear-1-8` (older results: the rate)."""
    return str(serving.get("load_shape") or f"r{serving.get('request_rate')}")


def saturation_lines(infos: list[Mapping[str, Any]]) -> list[str]:
    """The saturation sweep's verdict (serve/saturation.py), one line each; none for another sweep."""
    from vlmhyperbench.serve.saturation import saturation_summary

    summary = saturation_summary(infos)
    if summary is None:
        return []
    return [
        f"highest rate meeting the SLO (>= {summary['share']:.0%} of requests): "
        f"{summary['highest_rate_text']}",
        f"knee (goodput {summary['knee_goodput']:.3g} req/s): {summary['knee_text']}",
        f"{summary['probes']} rate probe(s); stopped: {summary['stopped']}",
    ]


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
    for line in saturation_lines(rows):
        console.print(line, highlight=False)


def serving_markdown(infos: Iterable[Mapping[str, Any]], plot: str | None = None) -> str:
    """The table, the saturation verdict and, where `plot` names one, the sweep's figure."""
    rows = list(infos)
    titles, cells = serving_rows(rows)
    lines = [
        f"**{md_escape(serving_title(rows))}**",
        "",
        md_row(titles),
        "|" + "|".join("--:" for _ in titles) + "|",
    ]
    lines += [md_row(row) for row in cells]
    verdict = saturation_lines(rows)
    if verdict:
        lines += ["", *(f"- {line}" for line in verdict)]
    if plot:
        lines += ["", f"![latency vs throughput, goodput vs offered rate]({plot})"]
    return "\n".join(lines) + "\n"
