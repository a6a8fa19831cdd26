"""A misbehaving OpenAI-compatible server on 127.0.0.1, for the served-engine fault tests (issue 25).

Standard library only, so it runs both in a thread of a test (`running(mode)`) and as a `--launch`
command (`python tests/faults/fault_server.py --port N --mode ok --api-key K`). It lists one model
(`--model`, default `fault`) at `/v1/models`, answers `/version`, and streams chat completions as SSE,
except for what its mode says (`--api-key K` is printed at start, as servers print their settings, and
required as the Bearer token only with `--require-key`):

- `ok`: a good stream, `answer-<n>` with a finish_reason and `[DONE]`; `slow` the same after 0.3 s;
- `garbage`: HTTP 200 with a body that is not JSON; `empty`: HTTP 200 with `{}`;
- `malformed`: one good chunk, then a chunk that is not JSON; `no-done`: chunks, then the connection
  closes with no finish_reason and no `[DONE]`; `stall`: a first chunk, then SSE comments forever;
- `huge`: an answer of 24 MB; `unauthorized`: 401 whose body echoes the Authorization header;
- `every-other`: every second chat request is a 400 (a permanent failure), the others answer;
- `echo`: the Authorization header comes back in the `Server` header, in `/version`, in a 500's body (the
  first chat request) and in every answer;
- `hostile`: a `Server` header of HTML and 5 KB, and a 20 MB `/version`.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOSTILE_SERVER = "<script>alert('server')</script>" + "x" * 5000


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, mode: str, model: str, api_key: str | None) -> None:
        super().__init__(("127.0.0.1", port), FaultHandler)
        self.mode, self.model, self.api_key = mode, model, api_key
        self.chat_requests = 0
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timeout, a killed run) is what these tests do: no traceback for it."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _auth(self) -> str:
        return self.headers.get("Authorization", "")

    def _refused(self) -> bool:
        key = self.server.api_key
        if key is not None and self._auth() != f"Bearer {key}":
            self._json(401, {"error": "wrong key"})
            return True
        return False

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self._send(status, body, "application/json", headers)

    def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
        self.send_response_only(status)
        for name, value in {
            "Content-Type": kind,
            "Content-Length": str(len(body)),
            **(headers or {}),
        }.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _server_header(self) -> dict[str, str]:
        if self.server.mode == "echo":
            return {"Server": f"echo {self._auth()}"}
        if self.server.mode == "hostile":
            return {"Server": HOSTILE_SERVER}
        return {}

    def do_GET(self) -> None:
        if self._refused():
            return
        if self.path.rstrip("/") == "/v1/models":
            models = {"object": "list", "data": [{"id": self.server.model, "object": "model"}]}
            self._json(200, models, self._server_header())
        elif self.path == "/version":
            if self.server.mode == "echo":
                self._json(200, {"version": "1.0", "auth": self._auth()})
            elif self.server.mode == "hostile":
                self._json(200, {"version": "<b>" + "v" * 20_000_000})
            else:
                self._json(200, {"version": "0.0-fault"})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self._refused():
            return
        with self.server.lock:
            self.server.chat_requests += 1
            n = self.server.chat_requests
        mode = self.server.mode
        if mode == "garbage":
            return self._send(200, b"<html>this is not JSON</html>", "text/html")
        if mode == "empty":
            return self._json(200, {})
        if mode == "unauthorized":
            return self._json(401, {"error": {"message": f"bad credentials: {self._auth()}"}})
        if mode == "every-other" and n % 2 == 0:
            return self._json(400, {"error": {"message": "this request is refused"}})
        if mode == "echo" and n == 1:
            return self._json(500, {"error": {"message": f"overloaded; you sent {self._auth()}"}})
        self._stream(n)

    def _stream(self, n: int) -> None:
        mode = self.server.mode
        self.send_response_only(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        if mode == "slow":
            time.sleep(0.3)
        text = f"answer-{n}" + (f" {self._auth()}" if mode == "echo" else "")
        self._event({"role": "assistant", "content": ""})
        if mode == "huge":
            piece = "y" * 2_000_000
            for _ in range(12):
                self._event({"content": piece})
        else:
            self._event({"content": text})
        if mode == "malformed":
            self.wfile.write(b'data: {"id": "x", "choices": [{"delta": \n\n')
            self.wfile.flush()
            return
        if mode == "no-done":
            return
        if mode == "stall":
            for _ in range(600):
                self.wfile.write(b": still thinking\n\n")
                self.wfile.flush()
                time.sleep(0.2)
            return
        self._event({}, finish="stop")
        usage = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
        self._raw({"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [],
                   "usage": usage})  # fmt: skip
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, delta: dict[str, Any], finish: str | None = None) -> None:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        self._raw(
            {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [choice]}
        )

    def _raw(self, event: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.flush()


@contextmanager
def running(mode: str = "ok", model: str = "fault", api_key: str | None = None) -> Iterator[FaultServer]:
    """The server on a free port in a thread for the block's length; `.base_url` ends in /v1."""
    server = FaultServer(0, mode, model, api_key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", default="ok")
    parser.add_argument("--model", default="fault")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--require-key", action="store_true")
    args = parser.parse_args()
    server = FaultServer(args.port, args.mode, args.model, args.api_key if args.require_key else None)
    print(f"fault server on {server.base_url}, mode {args.mode}, started as {args}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
