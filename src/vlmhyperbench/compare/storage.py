"""Result addresses: what `vlmhyperbench compare` accepts wherever a result is expected.

- a path to a pytest-benchmark JSON file;
- `CELL` or `CELL:latest` (the newest run of that cell), `CELL:previous` (the one before it),
  `CELL:NNNN` or `CELL:N` (pytest-benchmark's run number);
- `baseline:NAME`: a copy stored by `save_baseline`.

Where those live on disk is the results store's business (`vlmhyperbench.results.ResultStore`).
"""

from __future__ import annotations

from pathlib import Path

from vlmhyperbench.compare.results import ResultSet, load_result
from vlmhyperbench.env.cell import Cell
from vlmhyperbench.results import ResultError, ResultStore

BASELINE_PREFIX = "baseline:"


def store_for(root: ResultStore | str | Path | None) -> ResultStore:
    """A store as given, or the one at `root` (None: `$VLMHYPERBENCH_RESULTS` or .benchmarks)."""
    return root if isinstance(root, ResultStore) else ResultStore(root)


def save_baseline(result: ResultSet, name: str, root: ResultStore | str | Path | None = None) -> Path:
    """Store a verbatim copy of a result's file as baseline `name` (replacing an older one of that name)."""
    return store_for(root).save_baseline(result.path, name)


def resolve(address: str, root: ResultStore | str | Path | None = None) -> ResultSet:
    """Load the result an address names (see the module docstring)."""
    store = store_for(root)
    if address.startswith(BASELINE_PREFIX):
        name = address[len(BASELINE_PREFIX) :]
        path = store.baseline_path(name)
        if not path.is_file():
            have = ", ".join(store.baselines()) or "none"
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
            f"cells in {store.root}: {', '.join(store.cells()) or 'none'}) or baseline:NAME"
        ) from None
    run = store.run(cell, which or "latest")
    result = load_result(run.path, source=address)
    if result.cell is None:
        result.cell = cell
    return result
