"""One writer per run folder: an OS file lock held while a run writes; default folder names that differ.

Two runs writing into one folder interleave their answers and corrupt it for every later `--resume`. Every
writer of a run folder holds `fcntl.flock` on `<out>/.lock` (pid inside, for the message) from its first
write to its last. The kernel drops the lock when the process ends, `kill -9` included, so a crashed run
never leaves the folder blocked. A second writer is refused at once with the pid of the first.

A run folder holds only its own files: a symbolic link planted in it (`answers.csv`, `.lock`, `run.json`
or `dataset` pointing at a user's file) is refused before anything is opened, so no write goes through
it, and a `run.json` that is not a run record is one line, not a traceback.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from vlmhyperbench.errors import RunStateError

LOCK_FILE = ".lock"
RUN_RECORD = "run.json"  # runs.files.RUN_FILE: what a resume is checked against


class RunFolderBusyError(RunStateError):
    """Another live process is writing into the run folder."""


class RunFolderError(RunStateError):
    """The run folder holds something a run must not open: a link out of it, a damaged run record."""


def check_run_folder(out: Path) -> None:
    """Refuse a folder with a symbolic link in it, or whose run.json is not a run record (see the module)."""
    links = sorted(p.name for p in out.iterdir() if p.is_symlink())
    if links:
        raise RunFolderError(
            f"{out} holds symbolic links ({', '.join(links)}): a run folder holds only its own files, and "
            "a run never writes through a link; remove them or choose another --out"
        )
    record = out / RUN_RECORD
    if not record.exists():
        return
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RunFolderError(f"{record} is not a run record ({exc}): choose another --out") from None
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise RunFolderError(f"{record} is not a run record (no 'config' object): choose another --out")


def default_out_dir(root: Path = Path("results")) -> Path:
    """`results/run-<timestamp>-<pid>-<random>`: two runs started in the same second get different folders."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"run-{stamp}-{os.getpid()}-{secrets.token_hex(2)}"


@contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold the run folder's lock (the folder must exist); `RunFolderBusyError` if another process has it.
    The folder is checked first (`check_run_folder`), and the lock file is never opened through a link."""
    check_run_folder(out)
    fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    handle = os.fdopen(fd, "r+", encoding="utf-8")
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
