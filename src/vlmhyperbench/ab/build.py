"""Build a git revision of this repository as its own environment, once, for a side of `ab`.

    <cache>/<sha12>-<extra>/src    `git archive <sha>`: the revision's tree, with its own uv.lock
    <cache>/<sha12>-<extra>/venv   `uv sync --locked --extra <extra> --no-default-groups --no-editable`

The revision's lock decides every version, so the environment is the one that revision would have
installed; `--no-editable` makes the venv independent of the unpacked tree. A finished build leaves a
`built` marker and is reused; a half-built one (interrupted, failed) is rebuilt. The cache defaults to
`$VLMHYPERBENCH_AB_CACHE`, else `~/.cache/vlmhyperbench/ab`.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

from vlmhyperbench.errors import EnvironmentProblem

CACHE_ENV_VAR = "VLMHYPERBENCH_AB_CACHE"
MARKER = "built"


def default_cache() -> Path:
    configured = os.environ.get(CACHE_ENV_VAR)
    return Path(configured) if configured else Path.home() / ".cache" / "vlmhyperbench" / "ab"


def default_extra() -> str:
    """The backend extra of the environment running `ab` (its torch build), else cpu-only cu128 wheels."""
    from vlmhyperbench.env.backends import matrix_backends

    configured = os.environ.get("VLMHYPERBENCH_BACKEND")
    names = [backend.name for backend in matrix_backends()]
    return configured if configured in names else "cu128"


def build_revision(
    sha: str,
    repo: Path,
    cache: Path | None = None,
    extra: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """The Python of `sha`'s environment, built on first use (minutes; uv's cache makes later ones fast)."""
    extra = extra or default_extra()
    folder = (cache or default_cache()) / f"{sha[:12]}-{extra}"
    venv, src = folder / "venv", folder / "src"
    python = venv / "bin" / "python"
    if (folder / MARKER).exists() and python.exists():
        return python
    if log:
        log(
            f"building revision {sha[:12]} with --extra {extra} in {folder} (uv sync; minutes the first time)"
        )
    shutil.rmtree(folder, ignore_errors=True)
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(repo), "archive", sha], capture_output=True, check=False)
    if archive.returncode != 0:
        raise EnvironmentProblem(f"git archive {sha[:12]} failed: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(src, filter="data")
    if not (src / "uv.lock").exists():
        raise EnvironmentProblem(f"revision {sha[:12]} has no uv.lock: it cannot be built as an environment")
    command = ["uv", "sync", "--locked", "--extra", extra, "--no-default-groups", "--no-editable"]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(command, cwd=src, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not python.exists():
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise EnvironmentProblem(f"building revision {sha[:12]} ({' '.join(command)}) failed: {tail}")
    (folder / MARKER).write_text(sha + "\n", encoding="utf-8")
    return python
