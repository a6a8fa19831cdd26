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
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import nox

ROOT = Path(__file__).parent.resolve()
sys.path.insert(0, str(ROOT / "src"))  # read the backend registry from the tree nox runs on

from vlmhyperbench.env.backends import matrix_backends  # noqa: E402
from vlmhyperbench.results import ResultStore  # noqa: E402

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
PROJECT_DIRS = {"dev": ROOT, "staging": ROOT / "staging", "prod": ROOT / "prod"}


def profiles_of(backend: str) -> list[str]:
    """The profiles whose project declares the backend's extra: prod gains a new backend with the release
    that brings it (cu130 is in dev and staging before prod's pinned release knows it), so no cell is made
    that could only fail to install."""
    return [
        profile
        for profile, directory in PROJECT_DIRS.items()
        if backend in nox.project.load_toml(directory / "pyproject.toml")["project"]["optional-dependencies"]
    ]


def _cell_env(python: str, backend: str, profile: str) -> dict[str, str]:
    """What every command of a cell sees: which cell it is, so results and doctor can name it."""
    return {
        "VLMHYPERBENCH_CELL": f"{python}-{backend}-{profile}",
        "VLMHYPERBENCH_BACKEND": backend,
        "VLMHYPERBENCH_PROFILE": profile,
        "VLMHYPERBENCH_PYTHON": python,
        "HF_HUB_OFFLINE": "1",
        # Python treats an empty value as unset: the cell's venv keeps the .pyc files its first import
        # writes. Where PYTHONDONTWRITEBYTECODE=1 is inherited (some CI images and sandboxes), every process
        # a test starts would compile torch and transformers again: about half of each CLI start's CPU.
        "PYTHONDONTWRITEBYTECODE": "",
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
    kind: str, python: str, backend: str, description: str, profiles: tuple[str, ...] | None = None
) -> Callable[[Callable[[nox.Session, str], None]], Callable[..., None]]:
    """Register `{kind}-{python}-{backend}` parametrised by the profiles that know the backend (only those
    in `profiles` when given), with its tags."""

    def decorate(run: Callable[[nox.Session, str], None]) -> Callable[..., None]:
        @nox.session(
            name=f"{kind}-{python}-{backend}",
            python=python,
            tags=[kind, f"py{python}", backend],
        )
        @nox.parametrize(
            "profile",
            [
                nox.param(profile, id=profile, tags=[profile])
                for profile in profiles_of(backend)
                if profiles is None or profile in profiles
            ],
        )
        def session_func(session: nox.Session, profile: str) -> None:
            session.env.update(_cell_env(python, backend, profile))
            install_cell(session, backend, profile)
            run(session, profile)

        session_func.__doc__ = description
        return session_func

    return decorate


# Coverage data of every tests cell, one folder per cell (`nox -s coverage` combines them); the report
# lands beside it. One place for both, so the tests cells and the coverage session agree.
COVERAGE_DATA = ROOT / ".coverage-data"
COVERAGE_REPORT = ROOT / "coverage-report"


def run_tests(session: nox.Session, profile: str) -> None:
    """pytest on every core (pytest-xdist, two workers per CPU), recording coverage for `nox -s coverage`.

    `--dist loadgroup`: tests that must not share a machine carry an `xdist_group` (tests/conftest.py puts
    every test of the one real `transformers serve` in one group, so one worker starts it). Coverage follows
    the CLI's subprocesses (`patch = subprocess` in pyproject) and maps staging's installed wheel back to
    src/. prod runs one file against the pinned release, whose code is not this tree's: no workers to
    spread over and nothing of src/ to measure, so it runs plain.
    """
    external = session.venv_backend == "none"
    if profile == "prod":
        # The current tests describe the current tree, not the release: prod checks that what is installed
        # is exactly the pinned release and that it works.
        session.run(
            "pytest", *(session.posargs or ["tests/env/test_installed_release.py"]), external=external
        )
        return
    data = COVERAGE_DATA / str(session.env["VLMHYPERBENCH_CELL"])
    env = {"COVERAGE_FILE": str(data / ".coverage")}
    # This cell's previous data would be combined twice: `coverage erase` removes it (and the parallel
    # files of its subprocesses). A command, not Python here: `nox --install-only` (the CI smoke, and a
    # test that runs it during the tests) skips commands, and an rmtree here deleted the running tests'
    # subprocess data, which left the code only subprocesses run at 16-31 % in the combined figure.
    session.run("coverage", "erase", env=env, external=external)
    # Two workers per CPU: many tests wait on a server or a subprocess, and with one worker per CPU a 2-core
    # run kept the CPUs busy only part of the time. Each worker's torch gets one thread, so the workers share
    # the CPUs instead of each spinning up one thread per core. PYTEST_XDIST_AUTO_NUM_WORKERS sets the count.
    workers = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or str(2 * (os.cpu_count() or 1))
    # --cov-fail-under=0: fail_under is the combined figure's (nox -s coverage), not a cell's or a subset's
    cov = ["--cov", "--cov-report=", "--cov-fail-under=0"]
    parallel = ["-n", workers, "--dist", "loadgroup", *cov, "--durations=25"]
    parallel_env = {**env, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if session.posargs:  # the caller chose what to run: one parallel run of it
        session.run("pytest", *parallel, *session.posargs, env=parallel_env, external=external)
        return
    everything_else = ["-m", "not serial and not ab_calibration", "tests"]
    session.run("pytest", *parallel, *everything_else, env=parallel_env, external=external)
    # The calibrations measure the noise of this machine: alone, not beside another worker's tests, and
    # without coverage, whose tracing would slow one side's worker process and not the other's (ab's A side
    # runs in this venv, B in one ab builds): measured, a 24 % A/A' "change" and no slowdown caught.
    session.run("pytest", "-p", "no:xdist", "-m", "serial", "tests", external=external)


# Our options after `--` in a bench session; everything else goes to pytest.
COMPARE_FLAG, SAVE_BASELINE_FLAG = "--compare", "--save-baseline"
# Enough rounds for compare's intervals to mean something (with 3 there is no 95 % interval at all);
# a later --vlm-rounds in the session's posargs wins.
BENCH_ROUNDS = "--vlm-rounds=10"


def run_bench(session: nox.Session, profile: str) -> None:
    """pytest benchmarks, then optionally gate the new run against the cell's baseline or save it as one.

    `-- --compare`: compare the newest run of this cell with baseline `<cell>` (or, before one exists, with
    the cell's previous run) and fail on a significant regression. `-- --save-baseline`: store the new run
    as baseline `<cell>` (what CI does on main). The same benchmark code runs for every profile, so dev vs
    prod is a like-for-like comparison. Results land in the cell's folder of the results store
    (.benchmarks/<cell>/, or under $VLMHYPERBENCH_RESULTS); never under xdist.
    """
    posargs = [arg for arg in session.posargs if arg not in (COMPARE_FLAG, SAVE_BASELINE_FLAG)]
    external = session.venv_backend == "none"
    args = ["benchmarks", "--benchmark-autosave", "--benchmark-save-data", "-p", "no:xdist", BENCH_ROUNDS]
    session.run("pytest", *args, *posargs, external=external)
    cell = session.env["VLMHYPERBENCH_CELL"]
    if cell is None:
        session.error("VLMHYPERBENCH_CELL is unset: the cell environment was not prepared")
    if COMPARE_FLAG in session.posargs:
        out = str(ResultStore().compare_folder(cell))
        session.run(
            "vlmhyperbench", "compare", cell, "--baseline", cell, "--fallback-previous", "--out", out,
            external=True,
        )  # fmt: skip
    if SAVE_BASELINE_FLAG in session.posargs:
        session.run("vlmhyperbench", "compare", cell, "--save-baseline", cell, "--force", external=True)


def run_serve(session: nox.Session, profile: str) -> None:
    """Save a tiny preset, then benchmark and evaluate it through `transformers serve` on a loopback port.

    Both commands start the server themselves (`--launch`) and stop its process group after; the
    benchmark lands in this cell's results with the server's log beside it.
    """
    import socket

    folder = Path(session.create_tmp()) / "tiny-llava"
    if not (folder / "config.json").exists():
        session.run("vlmhyperbench", "models", "save", "dummy:tiny-llava", str(folder), external=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    launch = f"transformers serve {folder} --host 127.0.0.1 --port {port} --device cpu"
    served = ["--model", f"openai:{folder}", "--base-url", url, "--launch", launch]
    session.run(
        "vlmhyperbench", "bench", *served, "--concurrency", "1,8", "--num-prompts", "16",
        "--new-tokens", "16", "--slo", "ttft=5000,tpot=500", *session.posargs, external=True,
    )  # fmt: skip
    out = Path(session.create_tmp()) / "quality"
    shutil.rmtree(out, ignore_errors=True)  # a fresh run each time, not a refused rerun into old answers
    session.run("vlmhyperbench", "run", *served, "--concurrency", "8", "--out", str(out), external=True)


# `transformers serve` needs the serve extra: dev has it (test group) and staging (its dependencies); the
# pinned prod release predates it.
SERVE_PROFILES = ("dev", "staging")

for _python in PYTHONS:
    for _backend in BACKENDS:
        _matrix_session(
            "serve",
            _python,
            _backend,
            f"A served tiny model on Python {_python} with {_backend}.",
            SERVE_PROFILES,
        )(run_serve)
        _matrix_session("tests", _python, _backend, f"Tests on Python {_python} with {_backend}.")(run_tests)
        _matrix_session("bench", _python, _backend, f"Benchmarks on Python {_python} with {_backend}.")(
            run_bench
        )


@nox.session(name="calibrate-ab", python=PYTHONS[-1], default=False)
def calibrate_ab(session: nox.Session) -> None:
    """ab's calibration across two environments (20 repetitions, minutes), alone: `nox -s calibrate-ab`."""
    session.env.update(_cell_env(PYTHONS[-1], "cu128", "dev"))
    install_cell(session, "cu128", "dev")
    session.run("pytest", "-p", "no:xdist", "-m", "ab_calibration", "-s", "tests", *session.posargs)


@nox.session(python=PYTHONS[-1])
def compare(session: nox.Session) -> None:
    """Compare stored runs: `nox -s compare -- 3.12-cu124-prod 3.12-cu124-dev` (default: all stored cells)."""
    session.run_install(
        "uv", "sync", "--locked", "--no-default-groups", "--python", str(session.virtualenv.location),
        env={"UV_PROJECT_ENVIRONMENT": str(session.virtualenv.location)},
    )  # fmt: skip
    targets = session.posargs or stored_cells()
    if len(targets) < 2 and not session.posargs:
        session.error(
            f"compare needs two stored cells, found {targets or 'none'} in {ResultStore().root}: "
            "run bench cells"
        )
    # every stored cell in one table: cells measure different sets by design (prod lacks newer suites)
    allow = [] if session.posargs else ["--allow-missing"]
    session.run("vlmhyperbench", "compare", *targets, *allow)


QUALITY_RUNS = ROOT / "results"  # where `vlmhyperbench run` puts its run folders by default
QUALITY_BASELINE = "quality"


@nox.session(python=PYTHONS[-1], default=False)
def ab(session: nox.Session) -> None:
    """Side-by-side A/B of two cells, revisions or settings: `nox -s ab -- 3.12-cu128-prod 3.12-cu128-dev`."""
    session.run_install(
        "uv", "sync", "--locked", "--no-default-groups", "--python", str(session.virtualenv.location),
        env={"UV_PROJECT_ENVIRONMENT": str(session.virtualenv.location)},
    )  # fmt: skip
    if len(session.posargs) < 2:
        session.error("ab needs two sides: `nox -s ab -- A B [options]` (cells, venv paths or git revisions)")
    # The driver needs no torch: each side's worker measures in that side's own (cell's) environment.
    session.run("vlmhyperbench", "ab", *session.posargs, env={"HF_HUB_OFFLINE": "1"})


@nox.session(name="quality-gate", python=PYTHONS[-1], default=False)
def quality_gate(session: nox.Session) -> None:
    """Gate the newest quality run in results/ against baseline `quality`: `-- [RUN] [--save-baseline]`."""
    session.run_install(
        "uv", "sync", "--locked", "--no-default-groups", "--python", str(session.virtualenv.location),
        env={"UV_PROJECT_ENVIRONMENT": str(session.virtualenv.location)},
    )  # fmt: skip
    targets = [arg for arg in session.posargs if arg != SAVE_BASELINE_FLAG] or [str(QUALITY_RUNS)]
    if not Path(targets[0]).is_dir():
        session.error(f"no quality runs in {targets[0]}: make one with `vlmhyperbench run` first")
    # A folder of runs means its newest; before a baseline is saved there is nothing to gate against.
    command = ["vlmhyperbench", "compare", *targets, "--baseline", QUALITY_BASELINE, "--fallback-previous"]
    command += ["--out", str(ROOT / ".benchmarks" / "compare" / "quality")]
    if SAVE_BASELINE_FLAG in session.posargs:  # only when the gate passed (compare refuses otherwise)
        command += ["--save-baseline", QUALITY_BASELINE]
    session.run(*command)


def stored_cells() -> list[str]:
    """Cells of the results store that hold runs, in matrix order."""
    store = ResultStore()
    order = [
        f"{py}-{backend}-{profile}"
        for py in PYTHONS
        for backend in BACKENDS
        for profile in profiles_of(backend)
    ]
    return [cell for cell in order if store.run_files(cell)]


@nox.session(python=False)
def coverage(session: nox.Session) -> None:
    """Combine the coverage of every tests cell that ran: report, HTML and XML (fails under fail_under)."""
    env = {"UV_PROJECT_ENVIRONMENT": str(ROOT / ".nox" / "coverage")}
    session.run("uv", "sync", "--locked", "--only-group", "coverage", env=env)
    cells = sorted(path.parent.name for path in COVERAGE_DATA.glob("*/.coverage*"))
    files = sorted(str(path) for path in COVERAGE_DATA.glob("*/.coverage*"))
    if not files:
        session.error(
            f"no coverage data in {COVERAGE_DATA}: run a tests cell first, "
            'e.g. nox -s "tests-3.12-cu128(dev)"'
        )
    session.log(f"combining the coverage of {', '.join(sorted(set(cells)))}")
    combined = str(COVERAGE_DATA / ".coverage")
    coverage_ = ["uv", "run", "--no-sync", "coverage"]
    # --keep: the cells' own files stay, so a later cell's run can be combined with them again
    session.run(*coverage_, "combine", "--keep", "--quiet", "--data-file", combined, *files, env=env)
    session.run(*coverage_, "html", "--data-file", combined, "-d", str(COVERAGE_REPORT / "html"), env=env)
    session.run(
        *coverage_, "xml", "--data-file", combined, "-o", str(COVERAGE_REPORT / "coverage.xml"), env=env
    )
    # exit 2 is "under fail_under": the full report below says so and fails the session
    total = session.run(
        *coverage_,
        "report",
        "--data-file",
        combined,
        "--format=total",
        silent=True,
        success_codes=[0, 2],
        env=env,
    )
    session.log(f"combined coverage of {len(set(cells))} cell(s): {str(total).strip()} %")
    session.run(*coverage_, "report", "--data-file", combined, env=env)  # last: it fails under fail_under


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """ruff and mypy, from the dev lock."""
    env = {"UV_PROJECT_ENVIRONMENT": str(ROOT / ".nox" / "lint")}
    session.run("uv", "sync", "--locked", "--only-group", "lint", env=env)
    session.run(
        "uv", "run", "--no-sync", "ruff", "check", "src", "tests", "benchmarks", "noxfile.py", env=env
    )
    session.run(
        "uv",
        "run",
        "--no-sync",
        "ruff",
        "format",
        "--check",
        "src",
        "tests",
        "benchmarks",
        "noxfile.py",
        env=env,
    )
    session.run("uv", "run", "--no-sync", "mypy", env=env)  # strict, over the files pyproject names


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
                # tests and the served tiny model run on CPU runners; benchmarks need a GPU runner of the
                # matching backend
                "runs-on": '["ubuntu-latest"]'
                if kind in ("tests", "serve")
                else json.dumps(["self-hosted", "gpu", cell["name"].split("-")[-1]]),
            }
        )
    print(json.dumps({"include": include}))


# --- say the plan before long work: `nox -s bench-3.12-cu124` runs one cell per profile, in turn

# Rough minutes per cell on a 2-core CPU machine, uv's cache warm (docs/environments.md has the measured
# figures); None: not measured, only the list is printed.
CELL_MINUTES: dict[str, int | None] = {"bench": 4, "tests": 15, "serve": None}  # measured, 2 cores


def _named_sessions(argv: list[str]) -> list[str]:
    """The names after -s / -e / --session(s) on nox's command line (several may follow one flag)."""
    names, taking = [], False
    for arg in argv[1:]:
        flag, _, value = arg.partition("=")
        if flag in ("-s", "-e", "--session", "--sessions"):
            taking = not value
            names += [value] if value else []
        elif arg.startswith("-"):
            taking = False
        elif taking:
            names.append(arg)
    return names


def announce_plan(argv: list[str]) -> None:
    """Before the first cell: the cells a matrix name expands to and how long they take, on stderr."""
    for name in _named_sessions(argv):
        kind, _, rest = name.partition("-")
        python, _, backend = rest.partition("-")
        if kind not in CELL_MINUTES or "(" in name or python not in PYTHONS or backend not in BACKENDS:
            continue
        profiles = [p for p in profiles_of(backend) if kind != "serve" or p in SERVE_PROFILES]
        if len(profiles) < 2:
            continue
        minutes = CELL_MINUTES[kind]
        cost = f", about {minutes} min each on a 2-core CPU machine plus its first install" if minutes else ""
        cells = ", ".join(f"{name}({profile})" for profile in profiles)
        print(
            f"nox: {name} runs {len(profiles)} cells in turn, each in its own venv{cost}: {cells}. "
            f'One cell: nox -s "{name}({profiles[0]})"',
            file=sys.stderr,
        )


if (Path(sys.argv[0]).name == "nox" or Path(sys.argv[0]).parent.name == "nox") and "--json" not in sys.argv:
    announce_plan(sys.argv)
