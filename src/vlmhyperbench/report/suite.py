"""What a speed-suite run (`pytest benchmarks`) shows: each benchmark's headline figures as it finishes, and
at the end our figures per benchmark, where they went, what next.

pytest-benchmark's own tables give milliseconds per generate call; this gives the figures users came for
(TTFT, TPOT, tokens/s, images/s, p50/p90, vision/LM share, memory) with `report.bench`'s one table
renderer, one table per model and settings (the title line), then the results file and the command that
compares it with the cell's previous run. Needs no torch: `benchmarks/conftest.py` calls `progress_figures`
on each benchmark's progress line and `suite_summary` at the end.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console

from vlmhyperbench.figures import FIGURES
from vlmhyperbench.report.bench import bench_title, print_bench
from vlmhyperbench.report.format import MISSING, in_column, ratio

# What a benchmark's progress line shows the moment it finishes (the table at the end has every figure).
PROGRESS_FIGURES = ("ttft_s", "tpot_s", "decode_tokens_per_s", "images_per_s")


def progress_figures(info: Mapping[str, Any]) -> str:
    """`TTFT 41.2 ms  TPOT 6.1 ms  decode 164.0 tok/s  images 1.9 img/s` from one benchmark's `extra_info`.

    The first figures of a run appear after its first benchmark, not after the whole suite. Titles, units
    and decimals are the `bench` table's (the figure declarations); the overhead benchmark shows its ratio.
    Empty when the benchmark recorded none of them.
    """
    metrics: Mapping[str, Any] = info.get("metrics") or {}
    parts = []
    for name in PROGRESS_FIGURES:
        figure = FIGURES.get(name)
        shown = in_column(metrics.get(figure.key(figure.aggregate)), figure)
        if shown != MISSING:
            parts.append(f"{figure.column_title(figure.aggregate)} {shown} {figure.display_unit}")
    overhead: Mapping[str, Any] = info.get("overhead") or {}
    if overhead.get("ratio") is not None:
        parts.append(f"vs bare tok/s {ratio(overhead['ratio'])}")
    return "  ".join(parts)


def measured_rows(infos: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The benchmarks that recorded our figures or an overhead ratio (others have nothing to show).

    The overhead benchmark measures one configuration of the speed suite again: its ratio joins that
    configuration's row (the `vs bare tok/s` column) rather than making a row of dashes.
    """
    rows: list[dict[str, Any]] = []
    for info in infos:
        if not info.get("config") or not (info.get("metrics") or info.get("overhead")):
            continue
        twin = next((r for r in rows if info.get("overhead") and r["config"] == info["config"]
                     and r.get("metrics") and not r.get("overhead")), None)  # fmt: skip
        if twin is not None:
            twin["overhead"] = info["overhead"]
        else:
            rows.append(dict(info))
    return rows


def by_title(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Rows grouped by their table title (model, dtype, device, lengths): one table each, in run order."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(bench_title([row]), []).append(row)
    return groups


def next_step(cell: str | None, saved: Path | None, runs_in_cell: int) -> str | None:
    """The one command that compares this run with the cell's previous one, or when it will exist."""
    if saved is None or cell is None:
        return None
    if runs_in_cell >= 2:
        return f"compare with the previous run of {cell}: vlmhyperbench compare {cell}"
    return f"first run of {cell}: after the next one, `vlmhyperbench compare {cell}` compares the two"


def suite_summary(
    infos: Iterable[Mapping[str, Any]], saved: Path | None, step: str | None, width: int = 120
) -> str:
    """The summary as plain text lines (the pytest terminal reporter writes them after its own tables)."""
    rows = measured_rows(infos)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, soft_wrap=True)
    if rows:
        console.print("vlmhyperbench figures (per benchmark; TTFT/TPOT in ms, throughput in tok/s, img/s)")
    for group in by_title(rows).values():
        print_bench(group, console)
    if saved is not None:
        console.print(f"results: {saved}", markup=False, highlight=False)
    if step is not None:
        console.print(step, markup=False, highlight=False)
    return buffer.getvalue()
