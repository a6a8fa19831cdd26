"""The backend registry, pyproject's extras and the three locks must agree, so they can never drift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from vlmhyperbench.env.backends import (
    BACKENDS,
    backend_for_cuda,
    matrix_backends,
    newest_backend_for_driver,
)
from vlmhyperbench.env.project import ProjectFiles
from vlmhyperbench.registry import UnknownNameError


@pytest.fixture(scope="module")
def project(repo_root: Path) -> ProjectFiles:
    return ProjectFiles(repo_root)


def _locked(lock: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for p in lock["package"] if p["name"] == name]


def _cuda_runtime(lock: dict[str, Any], torch: dict[str, Any]) -> str | None:
    """The nvidia-cuda-runtime version a locked torch brings: a direct dependency (CUDA 12 builds) or
    through `cuda-toolkit[cudart]` (CUDA 13 builds); None for a torch without one (not a CUDA build)."""
    for dep in torch["dependencies"]:
        if dep["name"].startswith("nvidia-cuda-runtime"):
            return str(dep.get("version") or _locked(lock, dep["name"])[0]["version"])
        if dep["name"] == "cuda-toolkit" and "cudart" in dep.get("extra", []):
            toolkits = _locked(lock, "cuda-toolkit")
            toolkit = next(t for t in toolkits if t["version"] == dep.get("version", toolkits[0]["version"]))
            (runtime,) = toolkit["optional-dependencies"]["cudart"]
            return str(runtime.get("version") or _locked(lock, runtime["name"])[0]["version"])
    return None


@pytest.mark.parametrize("backend", BACKENDS.names())
def test_pyproject_extra_is_the_registry_row(project: ProjectFiles, backend: str) -> None:
    row = BACKENDS.get(backend)
    requirements = {Requirement(r).name: Requirement(r) for r in project.extras()[backend]}
    assert set(requirements) == {"torch", "torchvision", "accelerate"}
    assert requirements["torch"].specifier == Requirement(f"torch{row.torch}").specifier
    assert requirements["torchvision"].specifier == Requirement(f"torchvision{row.torchvision}").specifier


@pytest.mark.parametrize("backend", BACKENDS.names())
def test_every_locked_torch_of_an_extra_is_that_cuda_build(project: ProjectFiles, backend: str) -> None:
    """PyPI's torch wheels pin their CUDA runtime: the lock proves which CUDA build each extra installs."""
    row = BACKENDS.get(backend)
    lock = project.lock()
    (ours,) = _locked(lock, "vlmhyperbench")
    torch_versions = [d["version"] for d in ours["optional-dependencies"][backend] if d["name"] == "torch"]
    assert torch_versions, f"uv.lock has no torch under extra {backend}"
    for version in torch_versions:
        assert row.accepts_torch(version), f"locked torch {version} is outside {backend}'s {row.torch}"
        (torch,) = [p for p in _locked(lock, "torch") if p["version"] == version]
        locked_runtime = _cuda_runtime(lock, torch)
        assert locked_runtime, f"torch {version} in uv.lock depends on no CUDA runtime: not a CUDA build"
        assert locked_runtime == row.cuda_runtime, (
            f"torch {version} (extra {backend}) brings CUDA runtime {locked_runtime}, the registry says "
            f"{row.cuda_runtime} (CUDA {row.cuda})"
        )


def test_lock_declares_the_backends_as_conflicting(project: ProjectFiles) -> None:
    (conflict,) = project.lock()["conflicts"]
    assert {item["extra"] for item in conflict} == set(BACKENDS.names())


@pytest.mark.parametrize("profile", ["staging", "prod"])
def test_profiles_pass_each_backend_extra_through(project: ProjectFiles, profile: str) -> None:
    """staging offers every backend; prod, a pinned release, those that release knows (no more, and the
    noxfile makes prod cells only for these)."""
    extras = project.extras(profile)
    if profile == "staging":
        assert set(extras) == set(BACKENDS.names())
    else:
        assert set(extras) <= set(BACKENDS.names()) and {"cu124", "cu128"} <= set(extras)
    for backend, requirements in extras.items():
        assert [str(Requirement(r)) for r in requirements] == [f"vlmhyperbench[{backend}]"]


@pytest.mark.parametrize("profile", ["staging", "prod"])
def test_profile_locks_install_the_same_cuda_builds(project: ProjectFiles, profile: str) -> None:
    lock = project.lock(profile)
    for torch in _locked(lock, "torch"):
        backend = next(b for b in BACKENDS if b.accepts_torch(torch["version"]))
        assert _cuda_runtime(lock, torch) == backend.cuda_runtime


def test_backend_for_cuda_maps_torch_version_cuda() -> None:
    backend = backend_for_cuda("12.4")
    assert backend is not None and backend.name == "cu124"
    backend = backend_for_cuda("12.8")
    assert backend is not None and backend.name == "cu128"
    backend = backend_for_cuda("13.0")
    assert backend is not None and backend.name == "cu130"
    assert backend_for_cuda("13.2") is None  # torch 2.15 on PyPI: no backend of ours yet
    assert backend_for_cuda(None) is None


def test_accepts_torch_ignores_local_label() -> None:
    assert BACKENDS.get("cu124").accepts_torch("2.6.0+cu124")
    assert not BACKENDS.get("cu124").accepts_torch("2.8.0")
    assert BACKENDS.get("cu128").accepts_torch("2.10.0+cu128")
    assert not BACKENDS.get("cu128").accepts_torch("2.11.0")
    assert BACKENDS.get("cu130").accepts_torch("2.11.0+cu130")
    assert BACKENDS.get("cu130").accepts_torch("2.14.1")
    assert not BACKENDS.get("cu130").accepts_torch("2.15.0")  # PyPI's 2.15 wheels are CUDA 13.2


@pytest.mark.parametrize(
    ("driver_cuda", "expected"),
    [
        ((12, 4), "cu124"),
        ((12, 6), "cu124"),
        ((12, 8), "cu128"),
        ((12, 9), "cu128"),
        ((13, 0), "cu130"),
        ((13, 2), "cu130"),
        (None, "cu130"),
    ],
)
def test_newest_backend_the_driver_runs(driver_cuda: tuple[int, int] | None, expected: str) -> None:
    assert newest_backend_for_driver(driver_cuda).name == expected


def test_unknown_backend_lists_the_available_ones() -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown backend 'cu999'. Available: cu124, cu128, cu130"):
        BACKENDS.get("cu999")


def test_registry_rows_are_consistent() -> None:
    for backend in matrix_backends():
        assert backend.index_url.endswith(f"/whl/{backend.name}")
        assert backend.cuda_runtime.startswith(backend.cuda + ".")
        assert Version(backend.min_driver.split(".")[0]) >= Version("525")
