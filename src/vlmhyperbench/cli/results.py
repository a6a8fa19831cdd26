"""`vlmhyperbench results`: my runs so far. Speed runs per cell, quality runs per folder; only reads.

Speed runs come from the results store (`.benchmarks/<cell>/`, `vlmhyperbench.results.ResultStore`),
quality runs from the `run-*/summary.json` folders under `--runs` (where `vlmhyperbench run` puts them).
Each line says when, what, how many cases, a headline figure and the path; `--json` gives the same for
scripts. A file that does not parse is listed with what is wrong with it, not skipped silently.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from vlmhyperbench.cli.console import console
from vlmhyperbench.figures import DEFAULT_FIGURE, get_figure

DEFAULT_RUNS = Path("results")  # `vlmhyperbench run`'s default parent folder (results/run-<stamp>)


@dataclass(frozen=True)
class Listed:
    """One run as listed: speed or quality, where it belongs, and its headline."""

    kind: str  # "speed" or "quality"
    group: str  # the cell, or the folder holding the run
    run: str  # run number (0003) or folder name (run-20261203-101500)
    when: str | None
    what: str  # models (speed), model and dataset (quality)
    cases: int | None  # benchmarks, or questions
    headline: str  # e.g. "decode 45.0 tok/s (median of 4)", "cer 0.1230"
    path: str
    figure: str | None = None  # the headline's figure or metric name and value, for scripts
    value: float | None = None
    problem: str | None = None  # why the file could not be read


def _what(models: list[str]) -> str:
    unique = list(dict.fromkeys(models))
    if not unique:
        return "-"
    return unique[0] + (f" (+{len(unique) - 1} more)" if len(unique) > 1 else "")


def speed_runs(root: Path | None) -> list[Listed]:
    """Every stored speed run of every cell, oldest first within a cell."""
    from vlmhyperbench.errors import ResultError
    from vlmhyperbench.results import ResultStore, load_record

    store = ResultStore(root)
    figure = get_figure(DEFAULT_FIGURE)
    listed = []
    for cell in store.cells():
        for run in store.runs(cell):
            base: dict[str, Any] = {"kind": "speed", "group": cell, "run": run.run_id, "path": str(run.path)}
            try:
                record = load_record(run.path)
            except ResultError as exc:
                listed.append(Listed(**base, when=None, what="-", cases=None, headline="-", problem=str(exc)))
                continue
            infos = [entry.extra_info for entry in record.benchmarks]
            models = [str(info.config.model or info.config.preset) for info in infos if info.config]
            values = [v for info in infos if isinstance(v := info.metrics.get(figure.name), (int, float))]
            value = float(statistics.median(values)) if values else None
            headline = "-"
            if value is not None:
                shown = f"{figure.column or figure.name} {value:.4g} {figure.unit}"
                headline = f"{shown} (median of {len(values)})"
            kind = "bench" if "_bench_" in run.path.name else "suite"
            what = f"{kind}: {_what(models)}"
            found = Listed(**base, when=run.datetime or None, what=what, cases=len(infos),
                           headline=headline, figure=figure.name, value=value)  # fmt: skip
            listed.append(found)
    return listed


def _headline(general: dict[str, Any]) -> tuple[str | None, float | None]:
    """The first metric of the whole-run row, e.g. `cer` 0.1234 (count is the number of questions)."""
    for name, value in general.items():
        if name != "count" and not name.endswith("_row_mean") and isinstance(value, (int, float)):
            return name, float(value)
    return None, None


def quality_runs(folder: Path) -> list[Listed]:
    """The quality runs in `folder` (its `run-*` folders, or any folder holding a summary.json), by name."""
    from vlmhyperbench.errors import ResultError
    from vlmhyperbench.results import load_run_summary

    if not folder.is_dir():
        return []
    listed = []
    for summary_path in sorted(folder.glob("*/summary.json")):
        run = summary_path.parent
        base: dict[str, Any] = {"kind": "quality", "group": str(folder), "run": run.name, "path": str(run)}
        try:
            summary = load_run_summary(summary_path)
        except ResultError as exc:
            listed.append(Listed(**base, when=None, what="-", cases=None, headline="-", problem=str(exc)))
            continue
        model = str(summary.model.get("model") or summary.config.get("model") or "-")
        name, value = _headline(summary.general)
        headline = "-" if name is None or value is None else f"{name} {value:.4f}"
        what = f"{model} on {summary.dataset.path}"
        found = Listed(**base, when=summary.run.finished, what=what, cases=summary.run.questions,
                       headline=headline, figure=name, value=value)  # fmt: skip
        listed.append(found)
    return listed


def _print(rows: list[Listed], root: Path, runs: Path) -> None:
    from rich.markup import escape
    from rich.table import Table

    from vlmhyperbench.report.format import print_full_width

    if not rows:
        console.print(
            f"no runs yet: speed runs go to {escape(str(root))}/<cell>/ (`vlmhyperbench bench`, "
            f"`pytest benchmarks`), quality runs to {escape(str(runs))}/run-*/ (`vlmhyperbench run`)",
            highlight=False,
        )
        return
    for kind, title in (("speed", f"speed runs in {root}"), ("quality", f"quality runs in {runs}")):
        chosen = [row for row in rows if row.kind == kind]
        if not chosen:
            continue
        table = Table(title=escape(title), title_justify="left")
        names = ("cell" if kind == "speed" else "folder", "run", "when", "what", "cases", "headline", "path")
        for name in names:
            table.add_column(name, justify="right" if name == "cases" else "left")
        for row in chosen:
            what = row.what if row.problem is None else f"unreadable: {row.problem}"
            when = (row.when or "-")[:16].replace("T", " ")  # to the minute; --json has it whole
            cells = [row.group, row.run, when, what, "-" if row.cases is None else str(row.cases),
                     row.headline, row.path]  # fmt: skip
            table.add_row(*(escape(cell) for cell in cells))
        print_full_width(table, console)


def results(
    root: Annotated[
        Path | None, typer.Option(help="Speed results root (default: $VLMHYPERBENCH_RESULTS or .benchmarks).")
    ] = None,
    runs: Annotated[Path, typer.Option(help="Folder of quality runs (`vlmhyperbench run`'s default).")] = (
        DEFAULT_RUNS
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON, for scripts.")] = False,
) -> None:
    """List my runs so far: speed runs per cell and quality runs per folder (when, what, cases, headline,
    path). Reads only."""
    from vlmhyperbench.results import ResultStore

    store_root = ResultStore(root).root
    rows = [*speed_runs(store_root), *quality_runs(runs)]
    if as_json:
        print(json.dumps([asdict(row) for row in rows], indent=2, ensure_ascii=False))
        return
    _print(rows, store_root, runs)
