"""`vlmhyperbench doctor`: check the running environment against the project's contract.

Each check says what it saw and, when it fails, the command that fixes it. The old setup page's
"common problems" are checks here: `uv sync` without `--extra` (no torch), a forgotten `uv python pin`
(the team runs different Pythons), and UV_TORCH_BACKEND that `uv sync` silently ignores.
Nothing here imports torch unless it is installed, so doctor runs in every environment.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import re
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from vlmhyperbench.env.backends import BACKENDS, backend_for_cuda, matrix_backends
from vlmhyperbench.env.gpu import DriverInfo, query_driver
from vlmhyperbench.env.info import CELL_ENV_VARS, TorchFacts, torch_facts
from vlmhyperbench.env.profile import detect_profile
from vlmhyperbench.env.project import (
    PROFILE_DIRS,
    ProjectFiles,
    ProjectNotFoundError,
    find_project_root,
    project_at,
)
from vlmhyperbench.env.sync import TORCH_BACKEND_ENV_VAR, uv_executable

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
CELL_PYTHON_ENV_VAR = "VLMHYPERBENCH_PYTHON"
LOCK_CHECK_TIMEOUT_S = 120


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, warn, fail, skip
    summary: str
    fix: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == FAIL

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass(frozen=True)
class DoctorContext:
    """What the checks look at; tests build one by hand to examine a single situation."""

    project: ProjectFiles | None
    python_version: str
    environ: dict[str, str]
    torch: TorchFacts
    driver: DriverInfo

    @classmethod
    def observe(cls, project_root: Path | None = None) -> DoctorContext:
        project: ProjectFiles | None = None
        if project_root is not None:  # named by the user: a wrong one is an error, not a skipped check
            project = ProjectFiles(project_at(project_root))
        else:
            with contextlib.suppress(ProjectNotFoundError):
                project = ProjectFiles(find_project_root())
        return cls(
            project=project,
            python_version=platform.python_version(),
            environ=dict(os.environ),
            torch=torch_facts(),
            driver=query_driver(),
        )

    @property
    def cell_backend(self) -> str | None:
        return self.environ.get(CELL_ENV_VARS["backend"]) or None


def _sync_fix() -> str:
    return " or ".join(f"uv sync --extra {b.name}" for b in matrix_backends())


def check_python_pin(ctx: DoctorContext) -> Check:
    """The interpreter is the pinned one (in a matrix cell: the cell's Python)."""
    running = ".".join(ctx.python_version.split(".")[:2])
    cell_python = ctx.environ.get(CELL_PYTHON_ENV_VAR)
    if cell_python:
        if running == cell_python:
            return Check("python pin", OK, f"Python {ctx.python_version} is this matrix cell's {cell_python}")
        return Check(
            "python pin",
            FAIL,
            f"Python {ctx.python_version} runs, but this matrix cell is Python {cell_python}",
            fix=f"run the cell through nox, or use a Python {cell_python} interpreter",
        )
    if ctx.project is None:
        return Check("python pin", SKIP, "no vlmhyperbench checkout here: nothing to compare the pin with")
    pin = ctx.project.python_pin()
    if pin is None:
        return Check(
            "python pin",
            FAIL,
            "no .python-version: without a pin every teammate's uv picks its own Python",
            fix="uv python pin 3.12",
        )
    if not PIN_VERSION.search(pin):  # `banana`: no Python to sync to, so never suggest `--python banana`
        return Check(
            "python pin",
            FAIL,
            f".python-version pins {pin!r}, which names no Python version (3.12, 3.12.1, cpython-3.12)",
            fix="uv python pin 3.12",
        )
    spec = ctx.project.requires_python
    if spec is not None and not _pin_supported(pin, spec):  # never suggest syncing to an unsupported Python
        return Check(
            "python pin",
            FAIL,
            f".python-version pins {pin}, but {pin} is outside requires-python {spec}",
            fix="uv python pin 3.12 && uv sync --extra <backend>",
        )
    if ctx.python_version == pin or running == pin or ctx.python_version.startswith(pin + "."):
        return Check("python pin", OK, f"Python {ctx.python_version} matches .python-version ({pin})")
    return Check(
        "python pin",
        FAIL,
        f"Python {ctx.python_version} runs, but .python-version pins {pin}: the team runs different Pythons",
        fix=f"uv sync --python {pin} --extra <backend>  (or `uv python pin {running}` to move the team)",
    )


PIN_VERSION = re.compile(r"(?<![\d.])3\.\d+(?:\.\d+)?")  # the version in any pin uv takes


def _pin_supported(pin: str, spec: str) -> bool:
    """A pin such as `3.12` or `3.12.1` names a Python that requires-python accepts."""
    try:
        return Version(pin) in SpecifierSet(spec)
    except InvalidVersion:
        return True  # a pin uv reads differently (`cpython-3.12`): the range check reports the interpreter


def check_python_supported(ctx: DoctorContext) -> Check:
    spec = ctx.project.requires_python if ctx.project else _installed_requires_python()
    if spec is None:
        return Check("python range", SKIP, "requires-python unknown")
    if Version(ctx.python_version) in SpecifierSet(spec):
        return Check("python range", OK, f"Python {ctx.python_version} is within requires-python {spec}")
    return Check(
        "python range",
        FAIL,
        f"Python {ctx.python_version} is outside requires-python {spec}",
        fix="uv python pin 3.12 && uv sync --extra <backend>",
    )


def _installed_requires_python() -> str | None:
    try:
        return importlib.metadata.metadata("vlmhyperbench")["Requires-Python"] or None
    except importlib.metadata.PackageNotFoundError:
        return None


def check_torch_installed(ctx: DoctorContext) -> Check:
    if ctx.torch["torch"] is None:
        return Check(
            "torch",
            FAIL,
            "PyTorch is not installed: the environment was synced without a backend extra (`uv sync` alone)",
            fix=f"{_sync_fix()}  (or: vlmhyperbench sync)",
        )
    return Check("torch", OK, f"torch {ctx.torch['torch']} (CUDA build {ctx.torch['torch_cuda'] or 'none'})")


def check_torch_backend(ctx: DoctorContext) -> Check:
    """torch.version.cuda names a backend of ours, its version is in range, and it is the cell's."""
    version, cuda = ctx.torch["torch"], ctx.torch["torch_cuda"]
    if version is None:
        return Check("backend", SKIP, "no torch installed")
    backend = backend_for_cuda(cuda)
    if backend is None:
        return Check(
            "backend",
            FAIL,
            f"torch {version} is built for CUDA {cuda or 'none (CPU build)'}, which is no backend of ours "
            f"({', '.join(f'{b.name}=CUDA {b.cuda}' for b in BACKENDS)})",
            fix=_sync_fix(),
        )
    if not backend.accepts_torch(version):
        return Check(
            "backend",
            FAIL,
            f"torch {version} is a CUDA {cuda} build outside {backend.name}'s range torch{backend.torch}",
            fix=f"uv sync --locked --extra {backend.name}",
        )
    if ctx.cell_backend and ctx.cell_backend != backend.name:
        return Check(
            "backend",
            FAIL,
            f"this matrix cell is {ctx.cell_backend}, but the installed torch {version} is {backend.name} "
            f"(CUDA {cuda})",
            fix=f"uv sync --locked --extra {ctx.cell_backend}  (preinstalled: run the {backend.name} cell)",
        )
    return Check("backend", OK, f"torch {version} is backend {backend.name} (CUDA {backend.cuda})")


def check_uv_torch_backend(ctx: DoctorContext) -> Check:
    value = ctx.environ.get(TORCH_BACKEND_ENV_VAR, "").strip()
    if not value:
        return Check("UV_TORCH_BACKEND", SKIP, "not set")
    installed = backend_for_cuda(ctx.torch["torch_cuda"])
    if value == "auto":
        return Check("UV_TORCH_BACKEND", OK, "auto: `vlmhyperbench sync` picks the backend from the driver")
    if value not in BACKENDS:
        return Check(
            "UV_TORCH_BACKEND",
            FAIL,
            f"UV_TORCH_BACKEND={value} is no backend of ours ({', '.join(BACKENDS.names())})",
            fix=f"export UV_TORCH_BACKEND={matrix_backends()[-1].name}",
        )
    if installed is None or installed.name != value:
        have = installed.name if installed else "no torch"
        return Check(
            "UV_TORCH_BACKEND",
            FAIL,
            f"UV_TORCH_BACKEND={value}, but the environment has {have}: `uv sync` ignores this variable",
            fix=f"vlmhyperbench sync  (runs uv sync --locked --extra {value})",
        )
    return Check("UV_TORCH_BACKEND", OK, f"{value} agrees with the installed torch")


def check_gpu(ctx: DoctorContext) -> Check:
    available = ctx.torch["cuda_available"] is True
    if available:
        return Check("gpu", OK, f"torch sees {ctx.torch['device']}")
    if ctx.driver.gpus:
        names = ", ".join(g.name for g in ctx.driver.gpus)
        if ctx.torch["torch"] is None:
            return Check("gpu", WARN, f"driver sees {names}; torch is not installed")
        return Check(
            "gpu",
            FAIL,
            f"the driver sees {names} but torch cannot use it",
            fix="check the driver check below; `uv sync --extra` with a backend the driver runs",
        )
    return Check("gpu", WARN, "no GPU visible: models run on the CPU (fine for tests and tiny presets)")


def check_driver(ctx: DoctorContext) -> Check:
    installed = backend_for_cuda(ctx.torch["torch_cuda"])
    if ctx.driver.cuda_version is None:
        return Check("nvidia driver", SKIP, f"no NVIDIA driver found ({ctx.driver.error or 'none'})")
    summary = f"driver {ctx.driver.driver_version} runs CUDA up to {ctx.driver.cuda_version_str}"
    if installed is None:
        return Check("nvidia driver", OK, summary)
    if installed.cuda_major_minor > ctx.driver.cuda_version:
        usable = [b.name for b in matrix_backends() if b.cuda_major_minor <= ctx.driver.cuda_version]
        fix = f"uv sync --extra {usable[-1]}" if usable else ""
        return Check(
            "nvidia driver",
            FAIL,
            f"{summary}, too old for {installed.name} "
            f"(CUDA {installed.cuda}, driver >= {installed.min_driver})",
            fix=(fix + " or " if fix else "") + f"upgrade the driver to >= {installed.min_driver}",
        )
    return Check("nvidia driver", OK, f"{summary}: enough for {installed.name}")


def check_locks(ctx: DoctorContext) -> list[Check]:
    """`uv lock --check` for each project: a stale lock means the matrix installs something else."""
    if ctx.project is None:
        return [Check("locks", SKIP, "no vlmhyperbench checkout here")]
    uv = uv_executable()
    if uv is None:
        return [Check("locks", SKIP, "uv is not on PATH")]
    checks = []
    for profile in PROFILE_DIRS:
        folder = ctx.project.profile_dir(profile)
        name = f"lock {profile}"
        if not (folder / "uv.lock").is_file():
            checks.append(
                Check(name, FAIL, f"{folder / 'uv.lock'} is missing", fix=f"uv lock --project {folder}")
            )
            continue
        try:
            result = subprocess.run(
                [uv, "lock", "--check", "--project", str(folder)],
                capture_output=True,
                text=True,
                timeout=LOCK_CHECK_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            checks.append(
                Check(name, WARN, f"`uv lock --check` took over {LOCK_CHECK_TIMEOUT_S}s (offline?)")
            )
            continue
        if result.returncode == 0:
            checks.append(Check(name, OK, f"{folder.name}/uv.lock is up to date"))
        else:
            lines = result.stderr.strip().splitlines() or ["(no message)"]
            first_error = next((line for line in lines if line.startswith("error")), lines[-1])
            checks.append(
                Check(
                    name, FAIL, f"`uv lock --check` failed: {first_error}", fix=f"uv lock --project {folder}"
                )
            )
    return checks


def check_profile(ctx: DoctorContext) -> Check:
    try:
        installed = detect_profile()
    except importlib.metadata.PackageNotFoundError:
        return Check("profile", FAIL, "vlmhyperbench is not installed", fix="uv sync --extra <backend>")
    described = f"{installed.profile}: vlmhyperbench {installed.version}, " + (
        "editable" if installed.editable else "not editable"
    )
    if installed.commit:
        described += f", commit {installed.commit[:12]}"
    expected = ctx.environ.get(CELL_ENV_VARS["profile"])
    if expected and expected != installed.profile:
        return Check(
            "profile",
            FAIL,
            f"this matrix cell is {expected}, but the installed one is {described}",
            fix=f"vlmhyperbench sync --profile {expected}",
        )
    if installed.profile == "prod" and ctx.project is not None and installed.commit:
        try:
            _, pinned = ctx.project.prod_release()
        except (OSError, ValueError, KeyError):
            pinned = None
        if pinned and pinned != installed.commit:
            return Check(
                "profile",
                FAIL,
                f"{described}, but prod/uv.lock pins {pinned[:12]}",
                fix="uv sync --project prod --frozen --extra <backend>",
            )
    return Check("profile", OK, described)


SINGLE_CHECKS: list[Callable[[DoctorContext], Check]] = [
    check_python_pin,
    check_python_supported,
    check_torch_installed,
    check_torch_backend,
    check_uv_torch_backend,
    check_gpu,
    check_driver,
    check_profile,
]


def run_checks(project_root: Path | None = None, ctx: DoctorContext | None = None) -> list[Check]:
    ctx = ctx or DoctorContext.observe(project_root)
    checks = [check(ctx) for check in SINGLE_CHECKS]
    return checks + check_locks(ctx)
