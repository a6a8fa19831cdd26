"""vlmhyperbench: how well and how fast vision-language models read documents, reproducibly.

The top-level package imports nothing heavy: `vlmhyperbench.env` works without torch, while
`vlmhyperbench.models` and `vlmhyperbench.perf` need a backend extra (`uv sync --extra cu124|cu128`).
"""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("vlmhyperbench")
except importlib.metadata.PackageNotFoundError:  # imported from the source tree, e.g. by noxfile.py
    __version__ = "0+unknown"

__all__ = ["__version__"]
