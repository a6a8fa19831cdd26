"""The CUDA backend registry: the one place that says what `cu124` and `cu128` mean.

pyproject's extras, uv.lock, the nox matrix, `doctor` and `sync` all read or are checked against
this table (tests/env/test_backends.py keeps them in agreement). Adding a backend is one row here,
one extra in pyproject.toml and a re-lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from vlmhyperbench.registry import Registry


@dataclass(frozen=True)
class Backend:
    """A PyTorch CUDA build we install and test against."""

    name: str  # the uv extra, e.g. "cu124"
    cuda: str  # torch.version.cuda of its builds, e.g. "12.4"
    torch: str  # version range of torch in the extra
    torchvision: str  # version range of torchvision in the extra
    cuda_runtime: str  # nvidia-cuda-runtime-cu* version PyPI's torch wheels pin for this CUDA
    index_url: str  # the official PyTorch wheel index, for users who can reach it
    min_driver: str  # lowest NVIDIA Linux driver that runs this CUDA (CUDA toolkit release notes)
    in_matrix: bool = True  # part of the default nox matrix

    @property
    def cuda_major_minor(self) -> tuple[int, int]:
        major, minor = self.cuda.split(".")[:2]
        return int(major), int(minor)

    def accepts_torch(self, version: str) -> bool:
        """Whether a torch version (local label such as +cu124 ignored) lies in this backend's range."""
        return Version(Version(version).base_version) in SpecifierSet(self.torch)


BACKENDS: Registry[Backend] = Registry("backend")

BACKENDS.add(
    "cu124",
    Backend(
        name="cu124",
        cuda="12.4",
        torch=">=2.6,<2.7",
        torchvision=">=0.21,<0.22",
        cuda_runtime="12.4.127",
        index_url="https://download.pytorch.org/whl/cu124",
        min_driver="550.54.14",
    ),
)
BACKENDS.add(
    "cu128",
    Backend(
        name="cu128",
        cuda="12.8",
        torch=">=2.8,<2.11",
        torchvision=">=0.23,<0.26",
        cuda_runtime="12.8.90",
        index_url="https://download.pytorch.org/whl/cu128",
        min_driver="570.26",
    ),
)
BACKENDS.add(
    "cu130",
    Backend(
        name="cu130",
        cuda="13.0",
        torch=">=2.11,<2.15",
        torchvision=">=0.26,<0.30",
        cuda_runtime="13.0.96",
        index_url="https://download.pytorch.org/whl/cu130",
        min_driver="580.65.06",
    ),
)


def matrix_backends() -> list[Backend]:
    """Backends of the default nox matrix, in registry order."""
    return [b for b in BACKENDS if b.in_matrix]


def backend_for_cuda(cuda: str | None) -> Backend | None:
    """The backend whose CUDA version `torch.version.cuda` reports, or None (CPU build, unknown CUDA)."""
    if not cuda:
        return None
    for backend in BACKENDS:
        if backend.cuda == ".".join(cuda.split(".")[:2]):
            return backend
    return None


def newest_backend_for_driver(driver_cuda: tuple[int, int] | None) -> Backend:
    """uv's `--torch-backend=auto` rule: the newest matrix backend the driver can run.

    Without a driver (no GPU) the newest backend of the matrix is chosen.
    """
    candidates = sorted(matrix_backends(), key=lambda b: b.cuda_major_minor, reverse=True)
    if driver_cuda is None:
        return candidates[0]
    for backend in candidates:
        if backend.cuda_major_minor <= driver_cuda:
            return backend
    return candidates[-1]
