"""The nox matrix, listed and run by the real nox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from tests.env.uvrun import run
from vlmhyperbench.env.backends import matrix_backends
from vlmhyperbench.env.project import ProjectFiles

PYTHONS = ["3.10", "3.12"]
BACKENDS = [b.name for b in matrix_backends()]
PROFILES = ["dev", "staging", "prod"]
# prod is a pinned release: it offers the backends that release knows (cu130 arrives with the next one)
PROD_BACKENDS = [b for b in BACKENDS if b in ProjectFiles(Path(__file__).parents[2]).extras("prod")]
CELLS = [
    (kind, py, backend, profile)
    for kind, py, backend, profile in product(["tests", "bench"], PYTHONS, BACKENDS, PROFILES)
    if profile != "prod" or backend in PROD_BACKENDS
]


def nox(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return run(
        [sys.executable, "-m", "nox", "-f", str(repo_root / "noxfile.py"), *args], cwd=repo_root, env=env
    )


@pytest.fixture(scope="module")
def listing(repo_root: Path) -> list[dict[str, Any]]:
    result = nox(repo_root, "--list", "--json")
    assert result.returncode == 0, result.stderr
    cells: list[dict[str, Any]] = json.loads(result.stdout)
    return cells


def test_json_listing_has_every_cell_with_names_and_tags(listing: list[dict[str, Any]]) -> None:
    cells = {c["session"]: c for c in listing if c["name"].startswith(("tests-", "bench-"))}
    assert set(cells) == {f"{kind}-{py}-{backend}({profile})" for kind, py, backend, profile in CELLS}
    for kind, py, backend, profile in CELLS:
        cell = cells[f"{kind}-{py}-{backend}({profile})"]
        assert cell["name"] == f"{kind}-{py}-{backend}"
        assert cell["python"] == py
        assert cell["call_spec"] == {"profile": profile}
        assert set(cell["tags"]) == {kind, f"py{py}", backend, profile}


def test_other_sessions_exist(listing: list[dict[str, Any]]) -> None:
    assert {"lint", "locks", "ci-matrix"} <= {c["name"] for c in listing}


def test_plain_nox_is_the_quick_default_set(repo_root: Path) -> None:
    result = nox(repo_root, "--list")
    selected = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("* ")]
    assert selected == ["tests-3.12-cu128(dev)", "lint", "locks"]


def test_prod_has_no_cells_of_a_backend_its_release_does_not_know(listing: list[dict[str, Any]]) -> None:
    assert PROD_BACKENDS == ["cu124", "cu128"]  # until prod moves to a release with cu130
    names = {c["session"] for c in listing}
    assert "tests-3.12-cu130(dev)" in names and "bench-3.12-cu130(staging)" in names
    assert not any(name.endswith("-cu130(prod)") for name in names)


# tests, bench: 2 Pythons x (3 profiles of cu124 and cu128 + dev and staging of cu130) = 16 cells each;
# serve: 2 Pythons x 3 backends x (dev, staging) = 12 (the pinned prod release predates the serve extra)
@pytest.mark.parametrize(
    ("tag", "count"),
    [("cu124", 16), ("cu130", 12), ("prod", 8), ("py3.10", 22), ("bench", 16), ("serve", 12)],
)
def test_tags_select_their_cells(repo_root: Path, tag: str, count: int) -> None:
    result = nox(repo_root, "--list", "-t", tag)
    assert len([line for line in result.stdout.splitlines() if line.startswith("* ")]) == count


def test_ci_matrix_is_built_from_the_listing(repo_root: Path) -> None:
    result = nox(repo_root, "-s", "ci-matrix")
    assert result.returncode == 0, result.stderr
    matrix = json.loads(result.stdout.strip().splitlines()[-1])
    include = matrix["include"]
    assert len(include) == len(CELLS) == 32
    bench = next(row for row in include if row["session"] == "bench-3.12-cu124(dev)")
    assert json.loads(bench["runs-on"]) == ["self-hosted", "gpu", "cu124"]
    tests = next(row for row in include if row["session"] == "tests-3.10-cu128(prod)")
    assert (tests["python"], tests["backend"], tests["profile"]) == ("3.10", "cu128", "prod")


@pytest.mark.slow
def test_preinstalled_mode_refuses_a_cell_of_another_backend(repo_root: Path) -> None:
    """`nox --no-venv` uses this interpreter as it is: doctor stops a cell whose backend is not installed."""
    import torch

    from vlmhyperbench.env.backends import backend_for_cuda

    installed = backend_for_cuda(torch.version.cuda)
    assert installed is not None
    other = next(b for b in BACKENDS if b != installed.name)
    python = ".".join(map(str, sys.version_info[:2]))
    wrong = nox(repo_root, "--no-venv", "--install-only", "-s", f"tests-{python}-{other}(dev)")
    assert wrong.returncode != 0
    assert f"this matrix cell is {other}, but the installed torch" in wrong.stdout + wrong.stderr
    # --install-only runs no command: the cell's coverage data (in a tests cell, the files this run's
    # subprocesses wrote so far) stays as it is
    data = repo_root / ".coverage-data" / f"{python}-{installed.name}-dev"
    recorded = set(data.glob(".coverage*"))
    right = nox(repo_root, "--no-venv", "--install-only", "-s", f"tests-{python}-{installed.name}(dev)")
    assert "backend" in right.stdout and f"is backend {installed.name}" in right.stdout
    assert recorded <= set(data.glob(".coverage*")), "nox --install-only deleted coverage data"


def test_a_name_of_several_cells_prints_the_plan_first(repo_root: Path) -> None:
    """`nox -s bench-3.12-cu124` runs three profiles in turn: nox says so, with an estimate, before any."""
    result = nox(repo_root, "--list", "-s", "bench-3.12-cu124")
    assert result.returncode == 0, result.stderr
    (plan,) = [line for line in result.stderr.splitlines() if line.startswith("nox: bench-3.12-cu124 runs")]
    assert "3 cells in turn" in plan and "about 4 min each" in plan
    for profile in ("dev", "staging", "prod"):
        assert f"bench-3.12-cu124({profile})" in plan
    one = nox(repo_root, "--list", "-s", "bench-3.12-cu124(dev)")
    assert "cells in turn" not in one.stderr
