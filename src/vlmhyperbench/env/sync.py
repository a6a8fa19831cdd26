"""`vlmhyperbench sync`: run the one right `uv sync` for a backend and a profile.

uv reads UV_TORCH_BACKEND only in `uv pip`, never in `uv sync` (the old setup page's section 3 relied on
it); this command honours it, and otherwise picks the backend from the NVIDIA driver like
`uv pip install --torch-backend=auto` does.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from vlmhyperbench.env.backends import BACKENDS, Backend, newest_backend_for_driver
from vlmhyperbench.env.gpu import DriverInfo, query_driver
from vlmhyperbench.env.project import PROFILE_DIRS, ProjectNotFoundError, find_project_root, project_at
from vlmhyperbench.errors import UsageError

TORCH_BACKEND_ENV_VAR = "UV_TORCH_BACKEND"


class SyncError(UsageError):
    """The requested backend or profile does not exist, or no checkout was found."""


@dataclass(frozen=True)
class SyncPlan:
    backend: Backend
    reason: str  # why this backend: flag, environment variable or driver
    profile: str
    command: list[str] = field(default_factory=list)
    cwd: Path = Path()

    def shell_command(self) -> str:
        return shlex.join(self.command)


def uv_executable() -> str | None:
    """The uv installed beside this interpreter (the dev and staging groups ship one), else uv on PATH."""
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


def choose_backend(
    requested: str = "auto", environ: dict[str, str] | None = None, driver: DriverInfo | None = None
) -> tuple[Backend, str]:
    """The backend and why: flag first, then UV_TORCH_BACKEND, then the driver (newest one it can run)."""
    environ = dict(os.environ) if environ is None else environ
    if requested != "auto":
        return _known(requested, "--backend"), f"--backend {requested}"
    from_env = environ.get(TORCH_BACKEND_ENV_VAR, "").strip()
    if from_env and from_env != "auto":
        return _known(from_env, TORCH_BACKEND_ENV_VAR), f"{TORCH_BACKEND_ENV_VAR}={from_env}"
    driver = query_driver() if driver is None else driver
    chosen = newest_backend_for_driver(driver.cuda_version)
    if driver.cuda_version is None:
        return chosen, "no NVIDIA driver found: the newest backend of the matrix"
    return chosen, f"driver {driver.driver_version} runs CUDA {driver.cuda_version_str}"


def _known(name: str, where: str) -> Backend:
    if name not in BACKENDS:
        raise SyncError(f"{where}: unknown backend {name!r}. Available: {', '.join(BACKENDS.names())}")
    return BACKENDS.get(name)


def plan_sync(
    backend: str = "auto",
    profile: str = "dev",
    frozen: bool = False,
    project_root: Path | None = None,
    environ: dict[str, str] | None = None,
    driver: DriverInfo | None = None,
) -> SyncPlan:
    if profile not in PROFILE_DIRS:
        raise SyncError(f"--profile: unknown profile {profile!r}. Available: {', '.join(PROFILE_DIRS)}")
    if project_root is not None:
        root = project_at(project_root)
    else:
        try:
            root = find_project_root()
        except ProjectNotFoundError as exc:
            raise SyncError(f"{exc}; run sync inside the checkout or pass --project-root") from None
    chosen, reason = choose_backend(backend, environ, driver)
    command = ["uv", "sync", "--frozen" if frozen else "--locked", "--extra", chosen.name]
    if profile != "dev":
        command += ["--project", PROFILE_DIRS[profile]]
    return SyncPlan(backend=chosen, reason=reason, profile=profile, command=command, cwd=root)


def run_sync(plan: SyncPlan) -> int:
    """Run the planned command in the checkout; its exit code is ours."""
    uv = uv_executable()
    if uv is None:
        raise SyncError("uv is not on PATH: install it with `pip install uv`")
    return subprocess.run([uv, *plan.command[1:]], cwd=plan.cwd, check=False).returncode
