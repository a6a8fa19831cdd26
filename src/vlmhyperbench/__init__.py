"""vlmhyperbench: how well and how fast vision-language models read documents, reproducibly.

The top-level package imports nothing heavy: `vlmhyperbench.env` works without torch, while
`vlmhyperbench.models` and `vlmhyperbench.perf` need a backend extra (`uv sync --extra cu124|cu128`).
"""

import importlib.metadata

__version__ = importlib.metadata.version("vlmhyperbench")
__all__ = ["__version__"]
