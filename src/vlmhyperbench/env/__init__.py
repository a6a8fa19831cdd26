"""Environments: Python pin, CUDA backends, install profiles, `doctor` and `sync`."""

from vlmhyperbench.env.backends import BACKENDS, Backend, backend_for_cuda, matrix_backends
from vlmhyperbench.env.torch_guard import TorchMissingError, require_torch, torch_available

__all__ = [
    "BACKENDS",
    "Backend",
    "TorchMissingError",
    "backend_for_cuda",
    "matrix_backends",
    "require_torch",
    "torch_available",
]
