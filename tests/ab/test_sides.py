"""Naming a side: '.', an interpreter or venv, a matrix cell's nox venv, a git revision; per-side settings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from nox.sessions import _normalize_path

from vlmhyperbench.ab.sides import Settings, nox_venv_name, resolve_side
from vlmhyperbench.errors import EnvironmentProblem, UsageError

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "session", ["bench-3.12-cu128(dev)", "tests-3.10-cu124(prod)", "bench-3.12-cpu(staging)"]
)
def test_cell_venv_names_are_noxs(session: str) -> None:
    assert nox_venv_name(session) == Path(_normalize_path("", session)).name


def test_options_override_one_side() -> None:
    settings = Settings().with_options(["attn=eager", "new-tokens=4"], "--a-opt")
    assert (settings.attn, settings.new_tokens, settings.dtype) == ("eager", 4, "auto")


@pytest.mark.parametrize(
    ("option", "message"), [("attn", "KEY=VALUE"), ("colour=red", "KEY=VALUE"), ("batch=x", "whole")]
)
def test_bad_options_name_the_flag(option: str, message: str) -> None:
    with pytest.raises(UsageError, match=f"--b-opt.*{message}"):
        Settings().with_options([option], "--b-opt")


def test_current_interpreter_and_venv_folder(tmp_path: Path) -> None:
    assert resolve_side(".", "A", Settings(), REPO).python == sys.executable
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    side = resolve_side(str(venv), "B", Settings(), REPO)
    assert (side.kind, side.python) == ("python", str(venv / "bin" / "python"))
    with pytest.raises(UsageError, match="not a virtual environment"):
        resolve_side(str(tmp_path), "B", Settings(), REPO)


def test_cell_uses_its_nox_venv(tmp_path: Path) -> None:
    venv = tmp_path / ".nox" / "tests-3-12-cu128-prod" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(sys.executable)
    side = resolve_side("3.12-cu128-prod", "A", Settings(), tmp_path)
    assert side.kind == "cell" and side.python == str(venv / "python")
    with pytest.raises(EnvironmentProblem, match=r"cell '3.12-cu128-dev' has no nox venv.*--install-only"):
        resolve_side("3.12-cu128-dev", "A", Settings(), tmp_path)


def test_unknown_side_says_what_a_side_can_be() -> None:
    with pytest.raises(UsageError, match=r"side B 'no-such-thing' is not '\.', an interpreter"):
        resolve_side("no-such-thing", "B", Settings(), REPO)
