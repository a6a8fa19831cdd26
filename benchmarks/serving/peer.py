"""Our serving client side by side with a peer's (GuideLLM), and against an instant server.

    python benchmarks/serving/peer.py --out /tmp/peer [--guidellm /tmp/peer-venv/bin/guidellm]

1. The client's ceiling: `tests/serve/servers.py:instant_app` (answers at once, 8 chunks) under uvicorn in
   its own process; our client at concurrency 1 and 32. Whatever limits requests/s there is the client.
2. The same `transformers serve` (the tiny preset saved with `models save`, CPU) on loopback, our client
   and the peer's alternating (ours first on even repetitions), synchronous (one request at a time), the
   same page image and prompt, `max_tokens` each; each repetition's ratio ours / peer per figure, and
   their spread (min - max).
The peer runs in its own environment (a throwaway venv: `uv venv /tmp/peer-venv && uv pip install
guidellm ...`); its code is not part of this project. A peer run that produces no result within
`--peer-timeout` is reported as such. Tables go to stdout as Markdown and to OUT/peer.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from vlmhyperbench.perf.bench import document_pages
from vlmhyperbench.serve.bench import run_case, serving_figures
from vlmhyperbench.serve.client import ServedClient, image_data_url
from vlmhyperbench.serve.launch import launch_server
from vlmhyperbench.serve.requests import ServedRequest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("request_throughput", "output_tokens_per_s", "ttft_s_median", "tpot_s_median")
PROMPT = "Total?"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ours(url: str, model: str, image: str, n: int, concurrency: int, tokens: int) -> dict[str, Any]:
    client = ServedClient(url, model)
    requests = [ServedRequest(f"q{i}", image, PROMPT) for i in range(n)]
    case = asyncio.run(
        run_case(client, requests, concurrency=concurrency, max_tokens=tokens, fixed_length=False, warmup=2)
    )
    figures = serving_figures(case)
    kept = (*FIGURES, "e2e_s_median", "completed", "failed", "max_concurrent")
    return {name: figures[name] for name in kept}


def guidellm(
    binary: str, url: str, model: str, data: Path, n: int, tokens: int, out: Path, timeout: float
) -> dict[str, Any] | None:
    """One synchronous GuideLLM run of `n` requests; its figures, or None when it gave no result in time."""
    report = out / f"guidellm-{time.monotonic_ns()}.json"
    command = [
        binary, "run",
        "--backend", f"kind=openai_http,target={url.removesuffix('/v1')},model={model},max_tokens={tokens}",
        "--profile", "kind=synchronous", "--constraint", f"kind=max_requests,count={n}",
        "--data", f"kind=json_file,path={data}", "--tokenizer", f"kind=huggingface_auto,model={model}",
        "--output", f"kind=json,path={report}", "--disable-console-interactive",
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    try:
        subprocess.run(command, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if not report.is_file():
        return None
    metrics = json.loads(report.read_text())["benchmarks"][0]["metrics"]

    def median(name: str, scale: float = 1.0) -> float:
        return float(metrics[name]["successful"]["median"]) * scale

    return {
        "request_throughput": median("requests_per_second"),
        "output_tokens_per_s": median("output_tokens_per_second"),
        "ttft_s_median": median("time_to_first_token_ms", 1e-3),
        "tpot_s_median": median("time_per_output_token_ms", 1e-3),
    }


def ceiling(out: Path, image: str) -> list[dict[str, Any]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    command = (
        f"{sys.executable} -m uvicorn tests.serve.servers:instant_app --app-dir {ROOT} "
        f"--host 127.0.0.1 --port {port} --log-level warning --no-access-log"
    )
    rows = []
    with launch_server(command, url, out / "instant.log", ready_timeout_s=120):
        for concurrency, n in ((1, 100), (32, 400)):
            rows.append(
                {"concurrency": concurrency, "requests": n, **ours(url, "instant", image, n, concurrency, 8)}
            )
    return rows


def side_by_side(args: argparse.Namespace, out: Path, image: str) -> list[dict[str, Any]]:
    from vlmhyperbench.models.saving import save_model

    folder = save_model("dummy:tiny-llava", Path(tempfile.mkdtemp(prefix="peer-")) / "tiny")
    data = out / "requests.jsonl"
    data.write_text(
        "".join(json.dumps({"prompt": PROMPT, "image": image}) + "\n" for _ in range(args.requests))
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    script = Path(sys.executable).parent / "transformers"
    serve = f"{script} serve {folder} --host 127.0.0.1 --port {port} --device cpu"
    rows = []
    with launch_server(serve, url, out / "transformers-serve.log", ready_timeout_s=300):
        for rep in range(args.reps):
            sides: dict[str, dict[str, Any] | None] = {}
            for side in ("ours", "peer") if rep % 2 == 0 else ("peer", "ours"):
                if side == "ours":
                    sides[side] = ours(url, str(folder), image, args.requests, 1, args.tokens)
                elif args.guidellm:
                    sides[side] = guidellm(args.guidellm, url, str(folder), data, args.requests, args.tokens,
                                           out, args.peer_timeout)  # fmt: skip
                else:
                    sides[side] = None
            rows.append({"rep": rep, **sides})
    return rows


def ratio_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| figure | ours (median) | peer (median) | ours / peer, median (min - max) |",
        "|---|--:|--:|--:|",
    ]
    for name in FIGURES:
        mine = [r["ours"][name] for r in rows]
        paired = [(r["ours"][name], r["peer"][name]) for r in rows if r.get("peer")]
        if not paired:
            lines.append(f"| {name} | {statistics.median(mine):.4g} | no result | - |")
            continue
        ratios = [a / b for a, b in paired]
        lines.append(
            f"| {name} | {statistics.median(mine):.4g} | {statistics.median(b for _, b in paired):.4g} | "
            f"{statistics.median(ratios):.3f} ({min(ratios):.3f} - {max(ratios):.3f}) |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--guidellm", help="the peer's command (in its own venv)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--peer-timeout", type=float, default=300.0)
    parser.add_argument("--skip-ceiling", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    image = image_data_url(document_pages(1, size=(64, 64))[0])
    result: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    if not args.skip_ceiling:
        result["ceiling"] = ceiling(args.out, image)
        print("| client | concurrency | requests (failed) | requests/s | e2e median ms | streams at once |")
        print("|---|--:|--:|--:|--:|--:|")
        for row in result["ceiling"]:
            print(
                f"| ours | {row['concurrency']} | {row['requests']} ({row['failed']}) | "
                f"{row['request_throughput']:.0f} | {row['e2e_s_median'] * 1e3:.2f} | "
                f"{row['max_concurrent']} |"
            )
    result["side_by_side"] = side_by_side(args, args.out, image)
    print("\n".join(ratio_table(result["side_by_side"])))
    (args.out / "peer.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
