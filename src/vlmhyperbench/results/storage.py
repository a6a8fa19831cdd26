"""The results folder: the one module that knows where results live and how files are named.

    <root>/                                   $VLMHYPERBENCH_RESULTS, default .benchmarks/
      <cell>/<machine id>/NNNN_<name>.json     speed records, numbered per folder as pytest-benchmark does
      baselines/<NAME>.json                    named copies of a record (`compare --save-baseline NAME`)
      compare/[<cell>/]                        compare's reports

One folder per matrix cell (`3.12-cu128-dev`) keeps cu124 and cu128 numbers from shadowing each other.
pytest-benchmark's own `--benchmark-storage` points at the cell folder and adds the machine id itself, so
its files and `vlmhyperbench bench`'s sit side by side and share one numbering.

Two processes saving into one folder at once each get their own number: the number is chosen and the
file created under an `fcntl` lock on the folder's `.numbering.lock` (never followed if it is a link).
A file that does not parse (truncated, empty, not JSON) keeps its place in time (its modification time),
so "latest" is the newest file even then, and loading it names what is wrong.

Imports neither torch nor pydantic at load time: `noxfile.py` runs under `uvx nox` and uses it for the root.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.env.cell import Cell
from vlmhyperbench.errors import ResultError
from vlmhyperbench.writes import WriteRefusedError, refusing_writes, write_file

if TYPE_CHECKING:
    from vlmhyperbench.results.schema import RunSummary, SpeedRecord

RESULTS_ENV_VAR = "VLMHYPERBENCH_RESULTS"
DEFAULT_ROOT = Path(".benchmarks")
BASELINES_DIR = "baselines"
COMPARE_DIR = "compare"
RUN_FILE = re.compile(r"^(\d{4})_")
RUN_GLOB = "[0-9][0-9][0-9][0-9]_*.json"
NUMBERING_LOCK = ".numbering.lock"
BASELINE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def results_root() -> Path:
    """`$VLMHYPERBENCH_RESULTS`, else `.benchmarks` in the working directory."""
    return Path(os.environ.get(RESULTS_ENV_VAR) or DEFAULT_ROOT)


def machine_id() -> str:
    """pytest-benchmark's folder for this machine (`Linux-CPython-3.12-64bit`)."""
    from pytest_benchmark.utils import get_machine_id

    return str(get_machine_id())


@dataclass(frozen=True)
class StoredRun:
    cell: str
    run_id: str  # "0003"
    path: Path
    datetime: str


def write_json(path: Path, data: Any) -> Path:
    """JSON written whole or not at all (`writes.write_file`): a kill mid-write leaves the old file or none; a
    refused write (read-only, full disk) is a WriteRefusedError naming the path."""
    return write_file(path, json.dumps(data, indent=4, ensure_ascii=False) + "\n")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultError(f"no result file {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultError(f"cannot read {path} as JSON: {exc}") from None


def _invalid(path: Path, what: str, exc: Any) -> ResultError:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return ResultError(f"{path} is not a valid {what}: field {field}: {first['msg']}")


def load_record(path: str | Path) -> SpeedRecord:
    """Parse a speed record; a file that is not one is a ResultError naming the file and the field."""
    from pydantic import ValidationError

    from vlmhyperbench.results.schema import SpeedRecord

    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ResultError(f"{path} is not a pytest-benchmark result (no 'benchmarks' list)")
    try:
        return SpeedRecord.model_validate(data)
    except ValidationError as exc:
        raise _invalid(path, "pytest-benchmark result", exc) from None


def load_run_summary(path: str | Path) -> RunSummary:
    """Parse a quality run's summary.json."""
    from pydantic import ValidationError

    from vlmhyperbench.results.schema import RunSummary

    path = Path(path)
    try:
        return RunSummary.model_validate(_read_json(path))
    except ValidationError as exc:
        raise _invalid(path, "run summary", exc) from None


def save_run_summary(path: str | Path, summary: RunSummary) -> Path:
    """Write summary.json atomically (strict JSON: the schema has no NaN, only None)."""
    return write_json(Path(path), summary.model_dump(mode="json"))


class ResultStore:
    """A results root: cell folders, run numbering, atomic saves, runs and baselines by name."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else results_root()

    # --- layout
    def cell_folder(self, cell: str) -> Path:
        return self.root / Cell.parse(cell).id

    def pytest_benchmark_storage(self, cell: str) -> str:
        """`--benchmark-storage` for a cell: pytest-benchmark adds the machine id folder under it."""
        return f"file://{self.cell_folder(cell).resolve()}"

    def compare_folder(self, cell: str | None = None) -> Path:
        return self.root / COMPARE_DIR / cell if cell else self.root / COMPARE_DIR

    def baseline_path(self, name: str) -> Path:
        if not BASELINE_NAME.match(name):
            raise ResultError(f"baseline name {name!r}: use letters, digits, '.', '_' and '-'")
        return self.root / BASELINES_DIR / f"{name}.json"

    # --- listing
    def cells(self) -> list[str]:
        """Cell folders under the root (those whose name parses as a cell), sorted by name."""
        if not self.root.is_dir():
            return []
        found = []
        for child in sorted(self.root.iterdir()):
            try:
                Cell.parse(child.name)
            except ValueError:
                continue
            if child.is_dir():
                found.append(child.name)
        return found

    def run_files(self, cell: str) -> list[Path]:
        folder = self.cell_folder(cell)
        return sorted([*folder.glob(f"*/{RUN_GLOB}"), *folder.glob(RUN_GLOB)])

    def runs(self, cell: str) -> list[StoredRun]:
        """A cell's stored runs, oldest first (by the time recorded in each file, then run number).

        A file that does not parse sorts by its modification time; loading it names what is wrong with it.
        """
        runs = []
        for path in self.run_files(cell):
            try:
                stamp = load_record(path).datetime
            except ResultError:
                stamp = (
                    datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
                    .replace(tzinfo=None)
                    .isoformat()
                )
            match = RUN_FILE.match(path.name)
            assert match is not None  # the glob guarantees it
            runs.append(StoredRun(cell, match.group(1), path, stamp))
        return sorted(runs, key=lambda run: (run.datetime, run.run_id, str(run.path)))

    def run(self, cell: str, which: str = "latest") -> StoredRun:
        """One stored run of a cell: `latest`, `previous` or a run number (`3`, `0003`)."""
        runs = self.runs(cell)
        if not runs:
            have = ", ".join(self.cells()) or "none"
            raise ResultError(f"no stored runs for cell {cell!r} in {self.root} (cells with results: {have})")
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
            raise ResultError(
                f"cell {cell!r} has no run {run_id} (runs: {', '.join(r.run_id for r in runs)})"
            )
        if len(found) > 1:
            paths = ", ".join(str(run.path) for run in found)
            raise ResultError(
                f"cell {cell!r} has several runs numbered {run_id} ({paths}); pass the file path"
            )
        return found[0]

    def baselines(self) -> list[str]:
        return sorted(path.stem for path in (self.root / BASELINES_DIR).glob("*.json"))

    # --- writing
    def next_path(self, cell: str, record: SpeedRecord, kind: str = "bench") -> Path:
        """`<cell>/<machine id>/NNNN_<kind>_<commit>_<time>[_uncommitted-changes].json`, autosave's names."""
        folder = self.cell_folder(cell) / machine_id()
        numbers = [int(p.name[:4]) for p in folder.glob(RUN_GLOB)]
        commit = record.commit_info
        stamp = datetime.fromisoformat(record.datetime).strftime("%Y%m%d_%H%M%S")
        dirty = "_uncommitted-changes" if commit.dirty else ""
        name = f"{kind}_{commit.id or 'unversioned'}_{stamp}{dirty}"
        return folder / f"{max(numbers, default=0) + 1:04d}_{name}.json"

    def save(self, record: SpeedRecord, path: Path | None = None) -> Path:
        """Store a record in its cell's folder under the next number, or rewrite `path` (a sweep saving as
        it goes). The record must name its cell."""
        if path is not None:
            return write_json(path, record.to_json())
        cell = record.machine_info.cell
        if not cell:
            raise ResultError("a speed record to store needs machine_info.cell")
        folder = self.cell_folder(cell) / machine_id()
        with refusing_writes(folder):
            folder.mkdir(parents=True, exist_ok=True)
        with _numbering(folder):  # another bench saving now waits here, then takes the next number
            return write_json(self.next_path(cell, record), record.to_json())

    def check_writable(self, then: str = "") -> None:
        """Create the root and open a trial file in it (unnamed, gone when closed): a read-only or full
        results folder is a WriteRefusedError before anything is measured, not after."""
        with refusing_writes(self.root, then):
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root):
                pass

    def save_baseline(self, path: Path, name: str) -> Path:
        """Store a verbatim copy of a result file as baseline `name` (replacing an older one of that name)."""
        target = self.baseline_path(name)
        with refusing_writes(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.resolve() != target.resolve():  # bytes as stored, fsynced, under a unique temporary name
                text = path.read_bytes().decode("utf-8", errors="surrogateescape")
                write_text_atomic(target, text, encoding="utf-8", errors="surrogateescape")
        return target


@contextmanager
def _numbering(folder: Path) -> Iterator[None]:
    """Hold the folder's numbering lock (see the module docstring) for the block."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    with refusing_writes(folder / NUMBERING_LOCK):
        fd = os.open(folder / NUMBERING_LOCK, flags, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class SweepFile:
    """One sweep's result file, rewritten after every finished case (`vlmhyperbench bench`): a crash keeps
    what was measured, and a refused write says exactly what the file holds, rather than "kept"."""

    store: ResultStore
    path: Path | None = None  # None until the first save succeeds
    cases: int = 0  # finished cases in the file as last written

    def save(self, record: SpeedRecord, cases: int) -> Path:
        """Write `record` (holding `cases` finished cases) over the sweep's file, or to a new one."""
        try:
            self.path = self.store.save(record, self.path)
        except WriteRefusedError as exc:
            raise WriteRefusedError(f"{exc}; {self.kept(cases)}") from None
        self.cases = cases
        return self.path

    def kept(self, finished: int) -> str:
        """What became of `finished` cases: how many the file holds and where, or that none was saved."""
        if finished == 0:
            return "nothing was measured or saved"
        if self.path is None:
            return f"nothing was saved: the {finished} finished case(s) are only in the table above"
        if self.cases == finished:
            return f"the {finished} finished case(s) are saved in {self.path}"
        held = f"{self.path} holds {self.cases} of the {finished} finished case(s)"
        return f"{held}; all are in the table above"
