"""Matrix cells: Python x backend x profile, and which one this process runs in.

Results are stored per cell (`vlmhyperbench.results.ResultStore` owns that layout).
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

from vlmhyperbench.errors import UsageError

CELL_ENV_VAR = "VLMHYPERBENCH_CELL"


@dataclass(frozen=True)
class Cell:
    python: str  # "3.12"
    backend: str  # "cu124"
    profile: str  # "dev"

    @property
    def id(self) -> str:
        """`3.12-cu124-dev`: a folder name, and the column title in cross-cell comparisons."""
        return f"{self.python}-{self.backend}-{self.profile}"

    @classmethod
    def parse(cls, cell_id: str) -> Cell:
        parts = cell_id.split("-")
        if len(parts) != 3 or not all(parts):
            raise UsageError(
                f"cell {cell_id!r} is not of the form PYTHON-BACKEND-PROFILE, e.g. 3.12-cu124-dev"
            )
        return cls(*parts)


def current_cell() -> Cell:
    """The cell nox set for this process, else the one this interpreter and install amount to."""
    if os.environ.get(CELL_ENV_VAR):
        return Cell.parse(os.environ[CELL_ENV_VAR])
    from vlmhyperbench.env.info import collect_environment

    facts = collect_environment()
    python = ".".join(platform.python_version_tuple()[:2])
    backend, torch_cuda, profile = facts["backend"], facts["torch_cuda"], facts["profile"]
    return Cell(
        python,
        str(backend) if backend else cuda_label(str(torch_cuda) if torch_cuda else None),
        str(profile) if profile else "unknown",
    )


def cuda_label(torch_cuda: str | None) -> str:
    """`cu130` for a CUDA build no registry row names (torch.version.cuda "13.0"), `cpu` for a CPU build.

    Such results stay apart from every registry backend's instead of landing in a `cpu` folder.
    """
    if not torch_cuda:
        return "cpu"
    return "cu" + "".join(torch_cuda.split(".")[:2])
