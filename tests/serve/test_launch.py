"""`--launch`: a real child server started, waited for, and stopped with its whole process group."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.serve.servers import free_port
from vlmhyperbench.errors import EnvironmentProblem, UsageError
from vlmhyperbench.serve.launch import launch_server

# A tiny OpenAI-style server that also starts a child (as vLLM starts its workers) and writes its pid.
SERVER = """
import http.server, json, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(sys.argv[2], "w").write(str(child.pid))
print("serving", flush=True)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"data": [{"id": "m"}]}).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by its parent) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_server_is_ready_inside_and_its_group_is_stopped_after(tmp_path: Path) -> None:
    script, pid_file, log = tmp_path / "server.py", tmp_path / "child.pid", tmp_path / "server.log"
    script.write_text(SERVER)
    port = free_port()
    command = f"{sys.executable} {script} {port} {pid_file}"
    with launch_server(command, f"http://127.0.0.1:{port}", log, ready_timeout_s=60) as server:
        child = int(pid_file.read_text())
        assert alive(server.process.pid) and alive(child)
    assert server.process.poll() is not None
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)
    assert "serving" in log.read_text()  # the log is kept


def test_the_group_is_stopped_when_the_block_fails(tmp_path: Path) -> None:
    script, pid_file = tmp_path / "server.py", tmp_path / "child.pid"
    script.write_text(SERVER)
    port = free_port()
    command = f"{sys.executable} {script} {port} {pid_file}"
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(RuntimeError, match="boom"), launch_server(command, url, tmp_path / "log") as server:
        raise RuntimeError("boom")
    assert server.process.poll() is not None


def test_a_server_that_exits_shows_its_log_tail(tmp_path: Path) -> None:
    command = f"{sys.executable} -c \"print('CUDA out of memory while loading'); raise SystemExit(3)\""
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(EnvironmentProblem, match="exited with status 3") as caught:  # noqa: SIM117
        with launch_server(command, url, tmp_path / "log", ready_timeout_s=60):
            pass
    assert "CUDA out of memory while loading" in str(caught.value)


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    command = f"{sys.executable} -c \"import time; print('loading...', flush=True); time.sleep(600)\""
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(EnvironmentProblem, match=r"did not answer .* within 1 s") as caught:  # noqa: SIM117
        with launch_server(command, url, tmp_path / "log", ready_timeout_s=1):
            pass
    assert "loading..." in str(caught.value)


def test_bad_commands(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(UsageError, match="--launch needs a command"), launch_server("  ", "http://x", log):
        pass
    with (
        pytest.raises(EnvironmentProblem, match="cannot start 'no-such-server-binary'"),
        launch_server("no-such-server-binary --x", "http://127.0.0.1:1", log),
    ):
        pass
