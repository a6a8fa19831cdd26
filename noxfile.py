"""The vlmhyperbench matrix: Python x CUDA backend x install profile, every cell built by uv from a lock.

    nox -l                                  # every session
    nox -s "tests-3.12-cu128(dev)"          # one cell
    nox -s bench-3.12-cu124                 # its three profiles
    nox -t cu124 / nox -t prod              # by tag
    nox --install-only -t tests             # install + doctor in every cell (the CI smoke)
    nox --no-venv -s "bench-3.12-cu128(dev)"  # preinstalled mode: GPU boxes and containers without network

The Pythons come from pyproject's classifiers and the backends from vlmhyperbench.env.backends, so the
matrix is never retyped here.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import nox

ROOT = Path(__file__).parent.resolve()
sys.path.insert(0, str(ROOT / "src"))  # read the backend registry from the tree nox runs on

from vlmhyperbench.env.backends import matrix_backends  # noqa: E402
from vlmhyperbench.env.profile import PROFILES  # noqa: E402

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = "CI" in os.environ  # nox's default too; said out loud
# Plain `nox`: the quick checks plus the tests of the pinned default cell. `nox --list --json` is the
# machine-readable matrix (ci-matrix and CI read it), and nox lists only selected sessions there, so in that
# mode every session stays selected.
if "--json" not in sys.argv:
    nox.options.sessions = ["lint", "locks", "tests-3.12-cu128(dev)"]

PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS: list[str] = nox.project.python_versions(PYPROJECT)
BACKENDS: list[str] = [backend.name for backend in matrix_backends()]
PROFILE_PARAMS = [nox.param(profile, id=profile, tags=[profile]) for profile in PROFILES]
PROJECT_DIRS = {"dev": ROOT, "staging": ROOT / "staging", "prod": ROOT / "prod"}


def _cell_env(python: str, backend: str, profile: str) -> dict[str, str]:
    """What every command of a cell sees: which cell it is, so results and doctor can name it."""
    return {
        "VLMHYPERBENCH_CELL": f"{python}-{backend}-{profile}",
        "VLMHYPERBENCH_BACKEND": backend,
        "VLMHYPERBENCH_PROFILE": profile,
        "VLMHYPERBENCH_PYTHON": python,
        "HF_HUB_OFFLINE": "1",
    }


def install_cell(session: nox.Session, backend: str, profile: str) -> None:
    """Sync the cell's lock into the session's venv, then run doctor on it.

    Both run through `run_install`, so `nox --install-only` is the install + doctor smoke of a cell. In
    --no-venv mode nothing is installed: doctor then fails if the running torch is not the cell's backend.
    """
    if session.venv_backend != "none":
        # https://nox.thea.codes/en/stable/cookbook.html#using-a-lockfile
        command = ["uv", "sync", "--locked", "--extra", backend, "--python", str(session.virtualenv.location)]
        if profile != "dev":
            command += ["--project", str(PROJECT_DIRS[profile])]
        session.run_install(
            *command, env={"UV_PROJECT_ENVIRONMENT": str(session.virtualenv.location)}, silent=False
        )
    session.run_install("vlmhyperbench", "doctor", "--project-root", str(ROOT), external=True)


def _matrix_session(
    kind: str, python: str, backend: str, description: str
) -> Callable[[Callable[[nox.Session, str], None]], Callable[..., None]]:
    """Register `{kind}-{python}-{backend}` parametrised by profile, with its tags."""

    def decorate(run: Callable[[nox.Session, str], None]) -> Callable[..., None]:
        @nox.session(
            name=f"{kind}-{python}-{backend}",
            python=python,
            tags=[kind, f"py{python}", backend],
        )
        @nox.parametrize("profile", PROFILE_PARAMS)
        def session_func(session: nox.Session, profile: str) -> None:
            session.env.update(_cell_env(python, backend, profile))
            install_cell(session, backend, profile)
            run(session, profile)

        session_func.__doc__ = description
        return session_func

    return decorate


def run_tests(session: nox.Session, profile: str) -> None:
    # The current tests describe the current tree, not the release: prod checks that what is installed
    # is exactly the pinned release and that it works.
    targets = ["tests/env/test_installed_release.py"] if profile == "prod" else ["tests"]
    session.run("pytest", *(session.posargs or targets), external=session.venv_backend == "none")


def run_bench(session: nox.Session, profile: str) -> None:
    # The same benchmark code for every profile, so dev vs prod is a like-for-like comparison.
    # Results land in .benchmarks/<cell>/ (vlmhyperbench's pytest plugin); never run under xdist.
    args = ["benchmarks", "--benchmark-autosave", "--benchmark-save-data", "-p", "no:xdist"]
    session.run("pytest", *args, *session.posargs, external=session.venv_backend == "none")


for _python in PYTHONS:
    for _backend in BACKENDS:
        _matrix_session("tests", _python, _backend, f"Tests on Python {_python} with {_backend}.")(run_tests)
        _matrix_session("bench", _python, _backend, f"Benchmarks on Python {_python} with {_backend}.")(
            run_bench
        )


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """ruff and mypy, from the dev lock."""
    env = {"UV_PROJECT_ENVIRONMENT": str(ROOT / ".nox" / "lint")}
    session.run("uv", "sync", "--locked", "--only-group", "lint", env=env)
    session.run(
        "uv", "run", "--no-sync", "ruff", "check", "src", "tests", "benchmarks", "noxfile.py", env=env
    )
    session.run("uv", "run", "--no-sync", "ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py", env=env)
    session.run("uv", "run", "--no-sync", "mypy", "src/vlmhyperbench", env=env)


@nox.session(python=False)
def locks(session: nox.Session) -> None:
    """`uv lock --check` for the dev, staging and prod projects."""
    for profile, directory in PROJECT_DIRS.items():
        session.log(f"{profile}: {directory}")
        session.run("uv", "lock", "--check", "--project", str(directory))


@nox.session(name="ci-matrix", python=False)
def ci_matrix(session: nox.Session) -> None:
    """Print the GitHub Actions matrix of the parametrised cells, from `nox --list --json`."""
    kinds = session.posargs or ["tests", "bench"]
    import subprocess

    listing = json.loads(
        subprocess.run(
            [sys.executable, "-m", "nox", "--list", "--json", "-t", *kinds, "-f", str(ROOT / "noxfile.py")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    include = []
    for cell in listing:
        kind = cell["name"].split("-")[0]
        if kind not in kinds:
            continue
        include.append(
            {
                "session": cell["session"],
                "kind": kind,
                "python": cell["python"],
                "backend": cell["name"].split("-")[-1],
                "profile": cell["call_spec"]["profile"],
                # tests run on CPU runners; benchmarks need a GPU runner of the matching backend
                "runs-on": '["ubuntu-latest"]'
                if kind == "tests"
                else json.dumps(["self-hosted", "gpu", cell["name"].split("-")[-1]]),
            }
        )
    print(json.dumps({"include": include}))
