"""The "adding a CUDA backend" recipe of docs/architecture.md, done for real on a copy of the project.

Adds `cu126` (PyPI's torch 2.7 wheels are the CUDA 12.6 builds): one registry row, one extra plus its
conflicts entry in pyproject.toml, `uv lock`. Then the matrix, `sync` and the lock all know it, and the
locked torch of the extra is the CUDA 12.6 build. Slow: uv resolves torch 2.7 from the package index.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from vlmhyperbench.env.backends import BACKENDS, Backend, backend_for_cuda, matrix_backends
from vlmhyperbench.env.project import ProjectFiles, load_toml
from vlmhyperbench.env.sync import plan_sync

pytestmark = pytest.mark.slow

CU126 = Backend(
    name="cu126",
    cuda="12.6",
    torch=">=2.7,<2.8",
    torchvision=">=0.22,<0.23",
    cuda_runtime="12.6.77",
    index_url="https://download.pytorch.org/whl/cu126",
    min_driver="560.28.03",
)


def _project_copy(repo_root: Path, target: Path) -> Path:
    """pyproject, lock, README and sources: what `uv lock` reads."""
    target.mkdir()
    for name in ("pyproject.toml", "uv.lock", "README.md", ".python-version"):
        shutil.copy2(repo_root / name, target / name)
    shutil.copytree(repo_root / "src", target / "src")
    return target


def _add_extra(pyproject: Path, row: Backend) -> None:
    """Step 2 of the recipe: the extra and its place in the conflicts list."""
    text = pyproject.read_text(encoding="utf-8")
    anchor = "[project.scripts]"
    extra = f'{row.name} = ["torch{row.torch}", "torchvision{row.torchvision}", "accelerate>=1.1"]\n\n'
    text = text.replace(anchor, extra + anchor, 1)
    text = text.replace('{ extra = "cu130" }]]', f'{{ extra = "cu130" }}, {{ extra = "{row.name}" }}]]', 1)
    pyproject.write_text(text, encoding="utf-8")


def _locked_runtime(lock: dict[str, Any], version: str) -> str | None:
    (torch,) = [p for p in lock["package"] if p["name"] == "torch" and p["version"] == version]
    for dep in torch["dependencies"]:
        if dep["name"] == "nvidia-cuda-runtime-cu12":
            found = [p for p in lock["package"] if p["name"] == dep["name"]]
            return str(dep.get("version") or found[0]["version"])
    return None


def test_a_new_backend_is_one_row_one_extra_and_a_relock(repo_root: Path, tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    project = _project_copy(repo_root, tmp_path / "project")
    with BACKENDS.added(CU126.name, CU126):  # step 1: the registry row
        _add_extra(project / "pyproject.toml", CU126)  # step 2
        subprocess.run([uv, "lock", "--project", str(project)], check=True, capture_output=True)  # step 3

        assert CU126 in matrix_backends()  # nox builds its cells from this list
        assert backend_for_cuda("12.6") is CU126  # doctor's torch.version.cuda check
        plan = plan_sync(backend="cu126", project_root=project, environ={})
        assert plan.command[-2:] == ["--extra", "cu126"]

        files = ProjectFiles(project)
        requirements = {Requirement(r).name: Requirement(r) for r in files.extras()["cu126"]}
        assert str(requirements["torch"].specifier) == str(Requirement(f"torch{CU126.torch}").specifier)
        lock = load_toml(project / "uv.lock")
        (ours,) = [p for p in lock["package"] if p["name"] == "vlmhyperbench"]
        versions = [d["version"] for d in ours["optional-dependencies"]["cu126"] if d["name"] == "torch"]
        assert versions and all(CU126.accepts_torch(v) for v in versions)
        assert {_locked_runtime(lock, v) for v in versions} == {CU126.cuda_runtime}
        (conflict,) = lock["conflicts"]
        assert "cu126" in {item["extra"] for item in conflict}
    assert "cu126" not in BACKENDS
