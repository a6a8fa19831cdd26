"""The CI gate: compare the newest run of a cell with a named baseline, or else with the cell's previous run.

`vlmhyperbench compare CELL [--baseline NAME]` (one input) is this; nox's `bench ... -- --compare` calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vlmhyperbench.compare.results import ResultError, ResultSet, load_result
from vlmhyperbench.compare.storage import BASELINE_PREFIX, list_runs, resolve
from vlmhyperbench.env.cell import Cell


@dataclass
class GatePlan:
    current: ResultSet
    reference: ResultSet | None  # None: nothing to compare with yet (a cell's first run, no baseline)
    reason: str


def plan_gate(current: str, baseline: str | None = None, root: Path | None = None) -> GatePlan:
    """What to compare `current` (cell, stored run or file) with: baseline NAME, else the run before it."""
    result = resolve(current, root)
    if baseline:
        address = baseline if baseline.startswith(BASELINE_PREFIX) else BASELINE_PREFIX + baseline
        return GatePlan(result, resolve(address, root), f"against {address}")
    cell = current.partition(":")[0]
    try:
        Cell.parse(cell)
    except ValueError:
        raise ResultError(
            f"{current!r} is a file, not a stored run: give --baseline NAME or a second result to compare"
        ) from None
    runs = list_runs(cell, root)
    paths = [run.path.resolve() for run in runs]
    index = paths.index(result.path.resolve())
    if index == 0:
        return GatePlan(result, None, f"{cell} has no run before {runs[0].run_id} and no baseline was named")
    previous = runs[index - 1]
    reference = load_result(previous.path, source=f"{cell}:{previous.run_id}")
    if reference.cell is None:
        reference.cell = cell
    return GatePlan(result, reference, f"against the previous run of {cell} ({previous.run_id})")
