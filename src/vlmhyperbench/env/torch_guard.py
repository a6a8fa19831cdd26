"""Stop with one clear message when the environment was synced without a backend extra.

A plain `uv sync` installs vlmhyperbench without torch (torch only comes with `--extra cu124` or
`--extra cu128`). Every module that needs torch calls `require_torch()` at import, and the CLI turns
`TorchMissingError` into that message and exit code 3 instead of a traceback.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType

from vlmhyperbench.errors import EnvironmentProblem, ExitCode


def _fix_commands() -> str:
    from vlmhyperbench.env.backends import matrix_backends

    return " or ".join(f"`uv sync --extra {b.name}`" for b in matrix_backends())


class TorchMissingError(EnvironmentProblem, ImportError):
    """torch is not installed: the environment was synced without a CUDA backend extra."""

    exit_code = ExitCode.TORCH_MISSING

    def __init__(self, needed_by: str = "vlmhyperbench") -> None:
        super().__init__(
            f"PyTorch is not installed, but {needed_by} needs it. This environment was synced without a "
            f"CUDA backend extra. Install one: {_fix_commands()} "
            "(or `vlmhyperbench sync`, which picks the backend for this machine)."
        )


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def require_torch(needed_by: str = "vlmhyperbench") -> ModuleType:
    """Import and return torch, or raise TorchMissingError naming the `uv sync --extra` fix."""
    if not torch_available():
        raise TorchMissingError(needed_by)
    import torch

    module: ModuleType = torch
    return module
