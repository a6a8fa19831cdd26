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
# Like for like: rates over the run's wall time, latencies as means over requests (chunks for ITL).
FIGURES = ("request_throughput", "output_tokens_per_s", "ttft_s", "itl_s", "e2e_s")
PEER_FIGURES = {  # ours -> (GuideLLM's metric, its factor to seconds); `successful.mean` of each
    "request_throughput": ("requests_per_second", 1.0),
    "output_tokens_per_s": ("output_tokens_per_second", 1.0),
    "ttft_s": ("time_to_first_token_ms", 1e-3),
    "itl_s": ("inter_token_latency_ms", 1e-3),
    "e2e_s": ("request_latency", 1.0),
}
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
    kept = (*FIGURES, "e2e_s_median", "completed", "failed", "max_concurrent", "output_tokens_min")
    return {name: figures[name] for name in kept}


def guidellm(
    binary: str,
    url: str,
    model: str,
    tokenizer: str,
    data: Path,
    n: int,
    tokens: int,
    streams: int,
    out: Path,
    timeout: float,
) -> dict[str, Any] | None:
    """One GuideLLM run of `n` requests (synchronous, or `streams` concurrent); its figures, or None when
    it gave no result within `timeout`."""
    report = out / f"guidellm-{time.monotonic_ns()}.json"
    profile = "kind=synchronous" if streams == 1 else f"kind=concurrent,streams={streams}"
    command = [
        binary, "run",
        "--backend", f"kind=openai_http,target={url.removesuffix('/v1')},model={model},max_tokens={tokens}",
        "--profile", profile, "--constraint", f"kind=max_requests,count={n}",
        "--data", f"kind=json_file,path={data}", "--tokenizer", f"kind=huggingface_auto,model={tokenizer}",
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
    found = {ours: float(metrics[name]["successful"]["mean"]) * k for ours, (name, k) in PEER_FIGURES.items()}
    return found | {"completed": metrics["request_totals"]["successful"]}


def alternate(reps: int, run_ours: Any, run_peer: Any) -> list[dict[str, Any]]:
    """`reps` pairs, ours first on even repetitions and the peer first on odd ones."""
    rows = []
    for rep in range(reps):
        sides: dict[str, Any] = {}
        for side in ("ours", "peer") if rep % 2 == 0 else ("peer", "ours"):
            sides[side] = run_ours() if side == "ours" else run_peer()
        rows.append({"rep": rep, **sides})
    return rows


def ceiling(args: argparse.Namespace, out: Path, image: str, tokenizer: Path) -> dict[str, Any]:
    """Ours alone on our instant app; with the peer, both alternating on the peer's own mock server (no
    delays, 8 tokens), at concurrency 1 and 32."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    instant = (
        f"{sys.executable} -m uvicorn tests.serve.servers:instant_app --app-dir {ROOT} "
        f"--host 127.0.0.1 --port {port} --log-level warning --no-access-log"
    )
    sizes = ((1, args.ceiling_requests), (32, 4 * args.ceiling_requests))
    result: dict[str, Any] = {"instant_app": []}
    with launch_server(instant, url, out / "instant.log", ready_timeout_s=120):
        for c, n in sizes:
            result["instant_app"].append(
                {"concurrency": c, "requests": n, **ours(url, "instant", image, n, c, 8)}
            )
    if not args.guidellm:
        return result
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    mock = (
        f"{args.guidellm} mock-server --host 127.0.0.1 --port {port} --model instant "
        "--ttft-ms 0 --itl-ms 0 --output-tokens 8"  # its own mock tokenizer
    )
    data = out / "requests.jsonl"
    with launch_server(mock, url, out / "mock.log", ready_timeout_s=180):
        for c, n in sizes:
            rows = alternate(
                args.reps,
                lambda c=c, n=n: ours(url, "instant", image, n, c, 8),
                lambda c=c, n=n: guidellm(args.guidellm, url, "instant", str(tokenizer), data, n, 8, c, out,
                                          args.peer_timeout),
            )  # fmt: skip
            result[f"mock_c{c}"] = rows
    return result


def side_by_side(args: argparse.Namespace, out: Path, image: str, folder: Path) -> list[dict[str, Any]]:
    data = out / "requests.jsonl"
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    script = Path(sys.executable).parent / "transformers"
    serve = f"{script} serve {folder} --host 127.0.0.1 --port {port} --device cpu"
    model = str(folder)
    with launch_server(serve, url, out / "transformers-serve.log", ready_timeout_s=300):
        return alternate(
            args.reps,
            lambda: ours(url, model, image, args.requests, 1, args.tokens),
            lambda: guidellm(args.guidellm, url, model, model, data, args.requests, args.tokens, 1, out,
                             args.peer_timeout) if args.guidellm else None,
        )  # fmt: skip


def ratio_table(rows: list[dict[str, Any]], title: str) -> list[str]:
    """Per figure: our median, the peer's, and the median (min - max) of the per-repetition ratios."""
    if not rows:
        return []
    lines = [f"\n{title}\n", "| figure | ours (median) | peer (median) | ours / peer, median (min - max) |",
             "|---|--:|--:|--:|"]  # fmt: skip
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
    from vlmhyperbench.models.saving import save_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--guidellm", help="the peer's command (in its own venv)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--ceiling-requests", type=int, default=100)
    parser.add_argument("--peer-timeout", type=float, default=300.0)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    image = image_data_url(document_pages(1, size=(64, 64))[0])
    rows = max(args.requests, 4 * args.ceiling_requests)  # GuideLLM stalls when the file runs out
    (out / "requests.jsonl").write_text((json.dumps({"prompt": PROMPT, "image": image}) + "\n") * rows)
    folder = save_model("dummy:tiny-llava", Path(tempfile.mkdtemp(prefix="peer-")) / "tiny")
    result: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    result["ceiling"] = ceiling(args, out, image, folder)
    print(
        "| server | client | concurrency | requests | requests/s | e2e mean ms |\n|---|---|--:|--:|--:|--:|"
    )
    for row in result["ceiling"]["instant_app"]:
        print(f"| instant_app | ours | {row['concurrency']} | {row['requests']} | "
              f"{row['request_throughput']:.0f} | {row['e2e_s'] * 1e3:.2f} |")  # fmt: skip
    for key in ("mock_c1", "mock_c32"):
        for line in ratio_table(result["ceiling"].get(key, []), f"peer's mock server, {key[5:]}"):
            print(line)
    result["side_by_side"] = side_by_side(args, out, image, folder)
    print("\n".join(ratio_table(result["side_by_side"], "transformers serve, c1")))
    (out / "peer.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
