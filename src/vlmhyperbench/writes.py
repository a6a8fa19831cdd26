"""Writing where the user pointed: a write the file system refuses becomes one line naming the path.

A read-only disk, a full one, a file where a folder belongs (`--out notes.txt`), or a folder where a file
belongs is the user's to fix, not a bug: `refusing_writes` turns the `OSError` that such a write raises into
a `WriteRefusedError` ("cannot write PATH: Read-only file system [errno 30]"), which the CLI prints on one
line. Any other `OSError` is left alone, so a real bug keeps its traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.errors import UsageError

__all__ = ["WRITE_ERRNOS", "WriteRefusedError", "refused_write", "refusing_writes", "write_file"]

# what the file system answers when the place, not the program, is wrong
WRITE_ERRNOS = frozenset(
    {
        errno.ENOSPC,  # disk full
        errno.EDQUOT,  # quota exceeded
        errno.EROFS,  # read-only file system
        errno.EACCES,  # no permission
        errno.EPERM,
        errno.EFBIG,  # file too large for this file system
        errno.ENOTDIR,  # a file where a folder of the path should be
        errno.EEXIST,  # mkdir where a file of that name exists
        errno.EISDIR,  # a folder where the file should be
        errno.ENAMETOOLONG,
        errno.ELOOP,  # a symbolic link where a file is created with O_NOFOLLOW
    }
)


class WriteRefusedError(UsageError):
    """The file system refused to write where the user pointed; the message names the path and why."""


def refused_write(exc: OSError, target: str | Path, then: str = "") -> WriteRefusedError | None:
    """`exc` as a WriteRefusedError naming the file it concerns (else `target`), or None when `exc` is not
    a refusal of the place (a bug, a vanished input). `then` adds what became of the work ("; ...")."""
    if exc.errno not in WRITE_ERRNOS:
        return None
    where = exc.filename if exc.filename is not None else target
    if Path(where).parent == Path(target).parent and Path(where).name.startswith(f".{Path(target).name}."):
        where = target  # the temporary file of an atomic write: the user knows the file it stands for
    return WriteRefusedError(f"cannot write {where}: {exc.strerror} [errno {exc.errno}]{then}")


@contextmanager
def refusing_writes(target: str | Path, then: str = "") -> Iterator[None]:
    """Writes inside the block that the file system refuses end in a WriteRefusedError (see refused_write)."""
    try:
        yield
    except OSError as exc:
        refused = refused_write(exc, target, then)
        if refused is None:
            raise
        raise refused from None


def write_file(path: Path, text: str) -> Path:
    """`text` into `path` whole (atomic.write_text_atomic), creating the folders above it as every `--out`
    of the tool does; a refused write is a WriteRefusedError naming the path."""
    with refusing_writes(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_text_atomic(path, text)
