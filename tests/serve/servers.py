"""Real servers on 127.0.0.1 for the served-model tests: `transformers serve`, a fault proxy, an instant one.

- `serve_saved_model`: a tiny preset saved with `save_model` and served by `transformers serve`, started
  and stopped by our own `launch_server` (free port, process group stopped afterwards).
- `FaultProxy`: an ASGI app that forwards to a real server, except for the faults queued on it (429, 500,
  a connection dropped after the first chunk, a slow first token).
- `InstantServer`: an ASGI app that streams a fixed answer at once, to measure the client's own ceiling.
Each ASGI app runs under uvicorn in a thread and stops when its `with` block ends. The session fixtures
`saved_model` and `served` (one server for every test that asks) live in tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.untraced import UNTRACED_PREFIX
from vlmhyperbench.serve.launch import LaunchedServer, launch_server

SERVED_PRESET = "dummy:tiny-llava"  # its answers are varied tokens, so served == in-process is a real check
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    base_url: str
    model: str  # the id /v1/models lists: the folder's path
    folder: Path
    log: Path
    launched: LaunchedServer  # the process, to kill it mid-run


def transformers_serve_command(folder: Path, port: int) -> str:
    """The server, untraced by coverage (tests/untraced.py): it runs transformers' code, not ours."""
    script = Path(sys.executable).parent / "transformers"
    options = f"--host 127.0.0.1 --port {port} --device cpu --dtype float32"
    return f"{UNTRACED_PREFIX} {script} serve {folder} {options}"


@contextmanager
def serve_saved_model(folder: Path, log: Path) -> Iterator[Served]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    with launch_server(
        transformers_serve_command(folder, port), base_url, log, ready_timeout_s=300
    ) as launched:
        yield Served(base_url, str(folder), folder, log, launched)


@contextmanager
def run_asgi(app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread; yields the base URL (with /v1)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def _read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


async def _respond(
    send: Send, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    raw = json.dumps(payload).encode()
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *extra],
        }
    )
    await send({"type": "http.response.body", "body": raw})


@dataclass
class FaultProxy:
    """Forwards to `upstream`; each chat request first takes the next fault queued in `faults`.

    Faults: "429" (with Retry-After: 0), "500", "drop" (the first chunk, then the connection is cut),
    ("slow", seconds) (the upstream answer, held back that long before its first byte).
    """

    upstream: str
    upstream_model: str
    faults: list[Any] = field(default_factory=list)
    chat_requests: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        path = scope["path"].removeprefix("/v1")
        url = f"{self.upstream}{path}"
        fault = None
        if path == "/chat/completions":
            self.chat_requests += 1
            fault = self.faults.pop(0) if self.faults else None
        if fault == "429":
            await _respond(send, 429, {"error": "rate limited"}, {"retry-after": "0"})
            return
        if fault == "500":
            await _respond(send, 500, {"error": "injected"})
            return
        if isinstance(fault, tuple) and fault[0] == "slow":
            await asyncio.sleep(fault[1])
        import httpx2 as httpx

        headers = {"content-type": "application/json"}
        async with httpx.AsyncClient(timeout=300) as client:
            if scope["method"] == "GET":
                response = await client.get(url)
                await _respond(send, response.status_code, response.json())
                return
            async with client.stream("POST", url, content=body, headers=headers) as response:
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status_code,
                        "headers": [(b"content-type", response.headers.get("content-type", "").encode())],
                    }
                )
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    if fault == "drop":
                        await asyncio.sleep(0.2)  # the chunk reaches the client before the cut
                        raise ConnectionAbortedError("injected: connection dropped mid-stream")
                await send({"type": "http.response.body", "body": b""})


INSTANT_TOKENS = 8


async def instant_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An OpenAI-compatible server that answers at once: a model list, or a streamed 8-chunk answer."""
    if scope["type"] != "http":
        return
    await _read_body(receive)
    if scope["method"] == "GET":
        await _respond(send, 200, {"object": "list", "data": [{"id": "instant", "object": "model"}]})
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]}
    )
    base = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "instant"}
    events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
    events += [
        {**base, "choices": [{"index": 0, "delta": {"content": "tok"}}]} for _ in range(INSTANT_TOKENS)
    ]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
    usage = {"prompt_tokens": 10, "completion_tokens": INSTANT_TOKENS, "total_tokens": 10 + INSTANT_TOKENS}
    events.append({**base, "choices": [], "usage": usage})
    payload = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    await send({"type": "http.response.body", "body": payload.encode()})
