"""The client's own ceiling: a real minimal server that answers instantly (uvicorn on loopback, in its own
process so it does not share the client's interpreter), so whatever limits requests/s here is the client.
The figures are printed for README and the closing note; what is asserted is only that every request
completed and that streams really overlapped."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from tests.serve.servers import INSTANT_TOKENS, free_port
from vlmhyperbench.serve.bench import run_case, serving_figures
from vlmhyperbench.serve.client import ServedClient
from vlmhyperbench.serve.launch import launch_server
from vlmhyperbench.serve.requests import ServedRequest

ROOT = Path(__file__).resolve().parents[2]

TINY_IMAGE = (  # a 1x1 PNG: the instant server ignores it, the client still sends it
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
)


def test_client_ceiling_against_an_instant_server(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    command = (
        f"{sys.executable} -m uvicorn tests.serve.servers:instant_app --app-dir {ROOT} "
        f"--host 127.0.0.1 --port {port} --log-level warning --no-access-log"
    )
    with launch_server(command, url, tmp_path / "instant.log", ready_timeout_s=120):
        client = ServedClient(url, "instant")
        lines = []
        for concurrency, n in ((1, 100), (32, 400)):
            started = time.perf_counter()
            case = asyncio.run(
                run_case(
                    client,
                    [ServedRequest("tiny", TINY_IMAGE, "Hi")] * n,
                    concurrency=concurrency,
                    max_tokens=8,
                    fixed_length=False,
                    warmup=4,
                )
            )
            wall = time.perf_counter() - started
            figures = serving_figures(case)
            assert figures["completed"] == n and figures["failed"] == 0
            assert figures["output_tokens_min"] == INSTANT_TOKENS
            if concurrency > 1:
                assert figures["max_concurrent"] > 1
            lines.append(
                f"client ceiling c={concurrency}: {figures['request_throughput']:.0f} requests/s, "
                f"e2e median {figures['e2e_s_median'] * 1000:.2f} ms per request "
                f"({INSTANT_TOKENS} chunks each), {figures['max_concurrent']} streams at once, "
                f"{wall:.1f} s wall"
            )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
