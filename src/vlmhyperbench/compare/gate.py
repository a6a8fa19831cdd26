"""The CI gate: compare the newest run of a cell with a named baseline, or else with the cell's previous run.

`vlmhyperbench compare CELL [--baseline NAME]` (one input) is this; nox's `bench ... -- --compare` calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vlmhyperbench.compare.results import ResultSet, load_result
from vlmhyperbench.compare.storage import BASELINE_PREFIX, resolve, store_for
from vlmhyperbench.env.cell import Cell
from vlmhyperbench.results import ResultError, ResultStore


@dataclass
class GatePlan:
    current: ResultSet
    reference: ResultSet | None  # None: nothing to compare with yet (a cell's first run, no baseline)
    reason: str


def plan_gate(
    current: str,
    baseline: str | None = None,
    root: ResultStore | Path | None = None,
    fallback: bool = False,
) -> GatePlan:
    """What to compare `current` (cell, stored run or file) with: baseline NAME, else the run before it.

    A named baseline that does not exist is an error, unless `fallback`: then the previous run is used (a CI
    job whose baseline has not been saved yet).
    """
    store = store_for(root)
    result = resolve(current, store)
    note = ""
    if baseline:
        address = baseline if baseline.startswith(BASELINE_PREFIX) else BASELINE_PREFIX + baseline
        try:
            return GatePlan(result, resolve(address, store), f"against {address}")
        except ResultError as exc:
            if not fallback:
                raise
            note = f"{exc}; "
    cell = current.partition(":")[0]
    try:
        Cell.parse(cell)
    except ValueError:
        raise ResultError(
            f"{note}{current!r} is a file, not a stored run: give --baseline NAME or a second result"
        ) from None
    runs = store.runs(cell)
    paths = [run.path.resolve() for run in runs]
    index = paths.index(result.path.resolve())
    if index == 0:
        return GatePlan(result, None, f"{note}{cell} has no run before {runs[0].run_id}")
    previous = runs[index - 1]
    reference = load_result(previous.path, source=f"{cell}:{previous.run_id}")
    if reference.cell is None:
        reference.cell = cell
    return GatePlan(result, reference, f"{note}against the previous run of {cell} ({previous.run_id})")
