"""One writer per run folder: an OS file lock held while a run writes; default folder names that differ.

Two runs writing into one folder interleave their answers and corrupt it for every later `--resume`. Every
writer of a run folder holds `fcntl.flock` on `<out>/.lock` (pid inside, for the message) from its first
write to its last. The kernel drops the lock when the process ends, `kill -9` included, so a crashed run
never leaves the folder blocked. A second writer is refused at once with the pid of the first.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from vlmhyperbench.errors import RunStateError

LOCK_FILE = ".lock"


class RunFolderBusyError(RunStateError):
    """Another live process is writing into the run folder."""


def default_out_dir(root: Path = Path("results")) -> Path:
    """`results/run-<timestamp>-<pid>-<random>`: two runs started in the same second get different folders."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"run-{stamp}-{os.getpid()}-{secrets.token_hex(2)}"


@contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold the run folder's lock (the folder must exist); `RunFolderBusyError` if another process has it."""
    handle = (out / LOCK_FILE).open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            raise RunFolderBusyError(
                f"{out} is being written by another run (pid {owner}): wait for it to finish "
                "(then pass --resume to continue it), or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the descriptor releases the lock
