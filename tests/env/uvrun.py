"""Run the real uv (and git) from tests, with the release URL redirected to a local clone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vlmhyperbench.env.project import ProjectFiles
from vlmhyperbench.env.sync import uv_executable


def release_redirect(project: ProjectFiles, clone: Path) -> dict[str, str]:
    """git config, through the environment, that sends prod's release URL to a local clone."""
    url, _ = project.prod_release()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.file://{clone}/.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
    }


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "VLMHYPERBENCH_"))}
    full_env.update(env or {})
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


def uv(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    executable = uv_executable()
    assert executable, "uv is part of the test dependencies"
    return run([executable, *args], cwd=cwd, env=env)


def python_of(venv: Path) -> str:
    return str(venv / "bin" / "python") if sys.platform != "win32" else str(venv / "Scripts" / "python.exe")
