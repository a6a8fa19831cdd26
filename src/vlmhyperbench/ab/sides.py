"""What a side of `vlmhyperbench ab A B` is: an interpreter to run the worker in, and the model settings.

A side is named like this (first match wins):

- `.` or `current`: the interpreter running `vlmhyperbench ab` (this checkout's environment);
- a path: a Python interpreter, or a virtual environment folder (its `bin/python`);
- a matrix cell (`3.12-cu128-dev`): the nox venv of its bench session, `.nox/bench-3-12-cu128-dev`
  (nox names a venv after the session's friendly name, `bench-3.12-cu128(dev)`, lower-cased with every
  run of non-word characters turned into `-`), else that of its tests session;
- a git revision of this repository (`v0.1.0`, `HEAD~3`, a sha): built as its own environment by
  `vlmhyperbench.ab.build`.

Settings (`--a-opt attn=eager`, `--b-opt dtype=float32`) override the shared ones per side, so two settings
of the same model are `ab . . --a-opt attn=eager --b-opt attn=sdpa`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vlmhyperbench.errors import EnvironmentProblem, ExitCode, MeasurementFailed, UsageError

CURRENT = (".", "current")
SETTING_KEYS = {
    "model": str,
    "dtype": str,
    "attn": str,
    "batch": int,
    "new_tokens": int,
    "threads": int,
    "calls": int,
    "settle": int,
}
NOX_KINDS = ("bench", "tests")  # the cell sessions whose venv a cell side uses, in order of preference


class SideFailed(MeasurementFailed):
    """A side's worker could not start or stopped mid-way; the rounds measured before are kept. Exit 2, not
    1: 1 is `ab`'s verdict "B is slower", which a side that never ran must not be read as."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Settings:
    """What one worker loads and measures: the model, its options, and the round's size."""

    model: str = "dummy:tiny-llava"
    dtype: str = "auto"
    attn: str | None = None
    batch: int = 1
    new_tokens: int = 8
    threads: int = 1  # torch intra-op threads: one per worker, so the two sides do not fight on a shared CPU
    seed: int = 0
    calls: int = 3  # timed generate calls per round, their median reported: one tiny call is ~25 ms
    settle: int = 1  # unrecorded calls first in every round, after the other side evicted the caches

    def __post_init__(self) -> None:
        if self.calls < 1 or self.settle < 0:
            raise UsageError(f"calls {self.calls}, settle {self.settle}: need calls >= 1 and settle >= 0")

    def with_options(self, options: list[str], flag: str) -> Settings:
        """`["attn=eager", "dtype=float32"]` applied over these settings; a bad one names the flag."""
        changes: dict[str, Any] = {}
        for option in options:
            key, sep, value = option.partition("=")
            key = key.strip().replace("-", "_")
            if not sep or key not in SETTING_KEYS:
                raise UsageError(
                    f"{flag} {option!r}: expected KEY=VALUE with KEY one of {', '.join(SETTING_KEYS)}"
                )
            try:
                changes[key] = SETTING_KEYS[key](value.strip())
            except ValueError:
                raise UsageError(f"{flag} {option!r}: {key} must be a whole number") from None
        return replace(self, **changes)

    def describe(self) -> str:
        attn = f", attn {self.attn}" if self.attn else ""
        return (
            f"{self.model} ({self.dtype}{attn}, batch {self.batch}, {self.new_tokens} new tokens, "
            f"median of {self.calls} calls a round)"
        )


@dataclass(frozen=True)
class Side:
    """One side: its label in tables, the interpreter that runs its worker, and what it measures."""

    label: str
    python: str
    kind: str  # current, python, cell, revision
    where: str  # what the user named, resolved: a venv folder, a revision's sha
    settings: Settings = field(default_factory=Settings)
    env: dict[str, str] = field(default_factory=dict)  # extra environment of the worker process

    def describe(self) -> str:
        return f"{self.label}: {self.kind} {self.where}, {self.settings.describe()}"


def nox_venv_name(session: str) -> str:
    """The folder nox gives a session's venv (nox.sessions._normalize_path, less its long-path hashing)."""
    path = re.sub(r"[^\w\s-]", "-", session).strip().lower()
    return re.sub(r"[-\s]+", "-", path).strip("-")


def venv_python(folder: Path) -> Path | None:
    for candidate in (folder / "bin" / "python", folder / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    return None


def _cell_python(name: str, repo: Path) -> tuple[Path, Path] | None:
    """(venv, python) of a cell's nox venv; None when `name` is no cell, EnvironmentProblem if not built."""
    from vlmhyperbench.env.cell import Cell

    try:
        cell = Cell.parse(name)
    except ValueError:
        return None
    if not re.fullmatch(r"\d+\.\d+", cell.python):  # `Cell.parse` splits any a-b-c; a cell starts 3.12
        return None
    tried = []
    for kind in NOX_KINDS:
        venv = repo / ".nox" / nox_venv_name(f"{kind}-{cell.python}-{cell.backend}({cell.profile})")
        tried.append(str(venv))
        python = venv_python(venv)
        if python:
            return venv, python
    raise EnvironmentProblem(
        f"cell {name!r} has no nox venv ({' or '.join(tried)}): build it with "
        f"`nox -s 'bench-{cell.python}-{cell.backend}({cell.profile})' --install-only`"
    )


def _revision(name: str, repo: Path) -> str | None:
    """The full sha that `name` names in `repo`, or None."""
    found = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or None if found.returncode == 0 else None


def resolve_side(
    name: str,
    label: str,
    settings: Settings,
    repo: Path | None,
    cache: Path | None = None,
    extra: str | None = None,
    log: Any = None,
) -> Side:
    """The side that `name` means (see the module docstring); UsageError when it means nothing. `repo` is
    the checkout cells and revisions come from: None outside one, where only `.` and paths are sides."""
    if name in CURRENT:
        return Side(label, sys.executable, "current", sys.prefix, settings)
    path = Path(name).expanduser()
    if path.exists():
        python = path if path.is_file() else venv_python(path)
        if python is None:
            raise UsageError(
                f"side {label} {name!r}: a folder without bin/python (not a virtual environment)"
            )
        # absolute, not resolved: `./py` is no command name, and a venv's bin/python is a link to follow not
        return Side(label, str(python.absolute()), "python", str(path.resolve()), settings)
    if repo is None:
        raise UsageError(
            f"side {label} {name!r} is not '.' or an interpreter or venv path, and a matrix cell or a git "
            "revision needs a vlmhyperbench checkout: run from one"
        )
    cell = _cell_python(name, repo)
    if cell is not None:
        return Side(label, str(cell[1]), "cell", f"{name} ({cell[0]})", settings)
    sha = _revision(name, repo)
    if sha is not None:
        from vlmhyperbench.ab.build import build_revision

        python = build_revision(sha, repo, cache, extra, log=log)
        return Side(label, str(python), "revision", f"{name} ({sha[:12]})", settings)
    raise UsageError(
        f"side {label} {name!r} is not '.', an interpreter or venv path, a matrix cell "
        "(3.12-cu128-dev) or a git revision of this repository"
    )
