"""Write a file whole or not at all: a temporary file beside it, fsync'ed, then renamed over it.

A run killed, or a disk that fills, in the middle of `write_text_atomic` leaves the previous file (or no file)
and never a cut-off one: `os.replace` is atomic on POSIX and on Windows when both names are in one folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_text_atomic"]


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8", errors: str = "strict") -> Path:
    """Replace `path` with `text` in one step (newlines written as given). A symlink at `path` is replaced
    by the file, never written through."""
    path = Path(path)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, errors=errors, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path
