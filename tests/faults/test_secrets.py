"""Fault catalogue, issue 25 item 2: no secret in any file, log, report, result or message of a served run
or bench, also when the server echoes the Authorization header back (tests/faults/fault_server.py, mode
`echo`: in the `Server` header, in `/version`, in a 500's body and in every answer).

The secrets: the API key (`VLMHYPERBENCH_API_KEY`), a `user:password@` in `--base-url` (sent as Basic
auth, so its base64 form is a secret too), and the same key inside the `--launch` command, which the
launched server prints into its log.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.faults.fault_server import running

Cli = Callable[..., "subprocess.CompletedProcess[str]"]
KEY = "sk-planted-7f3a9c2e5b1d"
USER, PASSWORD = "alice", "pw-planted-4e8d1a"
SECRETS = (KEY, PASSWORD, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
SERVER = Path(__file__).with_name("fault_server.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "300", "VLMHYPERBENCH_API_KEY": KEY}
    return subprocess.run([sys.executable, "-m", "vlmhyperbench.cli", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def _leaks(root: Path, *outputs: str) -> list[str]:
    """Every file under `root` (and each output) that holds one of the secrets, as `where: secret`."""
    found = [f"output {i}: {s}" for i, text in enumerate(outputs) for s in SECRETS if s in text]
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            found += [f"{path}: {s}" for s in SECRETS if s in text]
    return found


def test_no_secret_in_anything_a_served_run_and_bench_leave_with_an_echoing_server(
    tiny_dataset: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    outputs: list[str] = []

    port = _free_port()  # run: the key in --launch, a password in --base-url, the server echoing both
    launch = f"{sys.executable} {SERVER} --port {port} --mode echo --api-key {KEY}"
    url = f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/v1"
    run = _cli("run", "--model", "openai:fault", "--base-url", url, "--launch", launch, "--dataset",
               tiny_dataset, "--out", work / "run", "--retries", "1")  # fmt: skip
    assert run.returncode == 0, run.stderr
    answers = (work / "run" / "answers.csv").read_text(encoding="utf-8")
    assert "Basic ***" in answers  # the echoed header reached the answers, masked
    assert "--api-key ***" in (work / "run" / "run.json").read_text(encoding="utf-8")
    assert "started as" in (work / "run" / "server.log").read_text(encoding="utf-8")
    outputs += [run.stdout, run.stderr]

    port = _free_port()  # bench: the key as the Bearer token, echoed, and in --launch
    launch = f"{sys.executable} {SERVER} --port {port} --mode echo --api-key {KEY} --require-key"
    bench = _cli("bench", "--model", "openai:fault", "--base-url", f"http://127.0.0.1:{port}/v1", "--launch",
                 launch, "--results", work / "results", "--num-prompts", "3", "--new-tokens", "4",
                 "--markdown", work / "bench.md")  # fmt: skip
    assert bench.returncode == 0, bench.stderr
    assert list((work / "results").glob("*/server-logs/*.log"))
    outputs += [bench.stdout, bench.stderr]

    with running("unauthorized") as server:  # a 401 whose body echoes the key: the error message
        refused = _cli("run", "--model", "openai:fault", "--base-url", server.base_url, "--dataset",
                       tiny_dataset, "--out", work / "refused", "--retries", "0")  # fmt: skip
    assert refused.returncode != 0 and "HTTP 401" in refused.stderr and "Bearer ***" in refused.stderr
    outputs += [refused.stdout, refused.stderr]

    assert _leaks(work, *outputs) == []
