"""Finding results in the storage root: stored runs per cell and named baselines.

Addresses accepted wherever a result is expected:

- a path to a pytest-benchmark JSON file;
- `CELL` or `CELL:latest` (the newest run of that cell), `CELL:previous` (the one before it),
  `CELL:NNNN` or `CELL:N` (pytest-benchmark's run number);
  runs live in `<root>/<cell>/<machine id>/NNNN_*.json`;
- `baseline:NAME`: a copy stored by `save_baseline` in `<root>/baselines/NAME.json`.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from vlmhyperbench.compare.results import RUN_FILE, ResultError, ResultSet, load_result
from vlmhyperbench.env.cell import Cell, storage_root

BASELINE_PREFIX = "baseline:"
BASELINES_DIR = "baselines"
BASELINE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class StoredRun:
    cell: str
    run_id: str
    path: Path
    datetime: str


def _root(root: Path | None) -> Path:
    return Path(root) if root is not None else storage_root()


def list_cells(root: Path | None = None) -> list[str]:
    """Cell folders under the storage root (those whose name parses as a cell)."""
    base = _root(root)
    if not base.is_dir():
        return []
    cells = []
    for child in sorted(base.iterdir()):
        try:
            Cell.parse(child.name)
        except ValueError:
            continue
        if child.is_dir():
            cells.append(child.name)
    return cells


def list_runs(cell: str, root: Path | None = None) -> list[StoredRun]:
    """A cell's stored runs, oldest first (by the time recorded in each file, then run number)."""
    folder = _root(root) / cell
    files = [*folder.glob("*/[0-9][0-9][0-9][0-9]_*.json"), *folder.glob("[0-9][0-9][0-9][0-9]_*.json")]
    runs = []
    for path in files:
        try:
            stamp = str(json.loads(path.read_text(encoding="utf-8")).get("datetime") or "")
        except (OSError, ValueError):
            stamp = ""
        match = RUN_FILE.match(path.name)
        assert match is not None  # the glob guarantees it
        runs.append(StoredRun(cell, match.group(1), path, stamp))
    return sorted(runs, key=lambda run: (run.datetime, run.run_id, str(run.path)))


def _no_such_cell(cell: str, root: Path) -> ResultError:
    cells = list_cells(root)
    have = ", ".join(cells) if cells else "none"
    return ResultError(f"no stored runs for cell {cell!r} in {root} (cells with results: {have})")


def resolve_run(cell: str, which: str = "latest", root: Path | None = None) -> StoredRun:
    """One stored run of a cell: `latest`, `previous` or a run number."""
    base = _root(root)
    runs = list_runs(cell, base)
    if not runs:
        raise _no_such_cell(cell, base)
    if which == "latest":
        return runs[-1]
    if which == "previous":
        if len(runs) < 2:
            raise ResultError(f"cell {cell!r} has only one stored run ({runs[0].path}); no previous run")
        return runs[-2]
    if not which.isdigit():
        raise ResultError(f"run {which!r} of cell {cell!r}: expected latest, previous or a run number")
    run_id = f"{int(which):04d}"
    found = [run for run in runs if run.run_id == run_id]
    if not found:
        ids = ", ".join(run.run_id for run in runs)
        raise ResultError(f"cell {cell!r} has no run {run_id} (runs: {ids})")
    if len(found) > 1:
        paths = ", ".join(str(run.path) for run in found)
        raise ResultError(f"cell {cell!r} has several runs numbered {run_id} ({paths}); pass the file path")
    return found[0]


def baseline_path(name: str, root: Path | None = None) -> Path:
    if not BASELINE_NAME.match(name):
        raise ResultError(f"baseline name {name!r}: use letters, digits, '.', '_' and '-'")
    return _root(root) / BASELINES_DIR / f"{name}.json"


def list_baselines(root: Path | None = None) -> list[str]:
    return sorted(path.stem for path in (_root(root) / BASELINES_DIR).glob("*.json"))


def save_baseline(result: ResultSet, name: str, root: Path | None = None) -> Path:
    """Store a verbatim copy of a result file as baseline `name` (replacing an older one of that name)."""
    target = baseline_path(name, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    if result.path.resolve() != target.resolve():
        shutil.copyfile(result.path, target)
    return target


def resolve(address: str, root: Path | None = None) -> ResultSet:
    """Load the result an address names (see the module docstring)."""
    base = _root(root)
    if address.startswith(BASELINE_PREFIX):
        name = address[len(BASELINE_PREFIX) :]
        path = baseline_path(name, base)
        if not path.is_file():
            have = ", ".join(list_baselines(base)) or "none"
            raise ResultError(f"no baseline {name!r} in {path.parent} (baselines: {have})")
        result = load_result(path, source=address)
        result.run_id = None
        return result
    path = Path(address)
    if path.suffix == ".json" or path.is_file():
        if not path.is_file():
            raise ResultError(f"no result file {path}")
        return load_result(path, source=address)
    cell, _, which = address.partition(":")
    try:
        Cell.parse(cell)
    except ValueError:
        raise ResultError(
            f"{address!r} is not a result file, a stored run (CELL, CELL:latest, CELL:previous, CELL:NNNN; "
            f"cells in {base}: {', '.join(list_cells(base)) or 'none'}) or baseline:NAME"
        ) from None
    run = resolve_run(cell, which or "latest", base)
    result = load_result(run.path, source=address)
    if result.cell is None:
        result.cell = cell
    return result
