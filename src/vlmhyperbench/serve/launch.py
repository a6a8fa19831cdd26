"""`--launch "CMD"`: start a server command, wait until it answers, and stop its whole process group after.

    with launch_server("transformers serve ./tiny --port 8011", "http://127.0.0.1:8011", log) as server:
        ...  # the server answers /v1/models here

The command runs in a new session (its own process group), so stopping it also stops what it started
(vLLM's engine workers, tensor-parallel ranks). Its output goes to `log`, which is kept with the results.
A server that exits or does not answer in time is an `EnvironmentProblem` with the tail of that log.
Leaving the block for any reason (error, Ctrl-C, a SIGTERM to us: what CI cancellation and `timeout` send)
sends SIGTERM to the group, then SIGKILL after a grace. Errors and the kept log have secrets masked
(`serve.redact`): a server may print the key it was started with.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vlmhyperbench.errors import EnvironmentProblem, ModelLoadError, UsageError
from vlmhyperbench.serve.redact import redact, scrub_file
from vlmhyperbench.serve.server import list_models

LOG_TAIL_LINES = 20


@dataclass
class LaunchedServer:
    command: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _fail(server: LaunchedServer, what: str) -> EnvironmentProblem:
    tail = server.tail()
    return EnvironmentProblem(
        redact(f"{what}; server log {server.log}" + (f", last lines:\n{tail}" if tail else ""))
    )


def wait_until_ready(server: LaunchedServer, base_url: str, timeout_s: float, poll_s: float = 0.5) -> None:
    """Poll `/v1/models` until it answers; fail early if the process exits, or after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        code = server.process.poll()
        if code is not None:
            raise _fail(server, f"server command exited with status {code} before answering")
        try:
            list_models(base_url)
            return
        except ModelLoadError:
            pass
        if time.monotonic() >= deadline:
            raise _fail(server, f"server did not answer {base_url} within {timeout_s:g} s (--launch-timeout)")
        time.sleep(poll_s)


def stop_server(server: LaunchedServer, grace_s: float = 10.0) -> None:
    """SIGTERM to the process group, SIGKILL to what is left after `grace_s`."""
    process = server.process
    try:
        pgid = os.getpgid(process.pid)
    except ProcessLookupError:
        process.wait()
        return
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        try:  # the leader is gone; children of the group may still be alive
            os.killpg(pgid, 0)
        except ProcessLookupError:
            break
    process.wait()


@contextmanager
def launch_server(
    command: str, base_url: str, log: Path, ready_timeout_s: float = 600.0
) -> Iterator[LaunchedServer]:
    """Run `command` (a shell-style string, no shell) until the block ends; see the module docstring."""
    argv = shlex.split(command)
    if not argv:
        raise UsageError("--launch needs a command, e.g. --launch 'vllm serve MODEL --port 8000'")
    log.parent.mkdir(parents=True, exist_ok=True)
    scrub_file(log)  # an earlier session killed before its end left it unmasked
    with log.open("ab") as handle:
        try:
            process = subprocess.Popen(
                argv,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise EnvironmentProblem(redact(f"--launch: cannot start {argv[0]!r}: {exc.strerror}")) from None
    server = LaunchedServer(command, process, log)
    try:
        with _sigterm_as_interrupt():
            wait_until_ready(server, base_url, ready_timeout_s)
            yield server
    finally:
        stop_server(server)
        scrub_file(log)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A SIGTERM to us becomes a KeyboardInterrupt, so the block ends and the server group is stopped
    (the default action would kill us and leave the server running). Only where we may set handlers
    (the main thread) and nobody else set one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
