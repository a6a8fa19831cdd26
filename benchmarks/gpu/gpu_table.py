"""The GPU run's helpers for sweep.sh: the memory bandwidth, and the closing table with roofline fractions.

    python benchmarks/gpu/gpu_table.py bandwidth --device cuda          # JSON: bytes/s of a big copy
    python benchmarks/gpu/gpu_table.py table --bandwidth 3.0e12 RESULTS_DIR > closing.md

Batch-1 decode is bound by reading the language model's weights once per step, so its roofline is
`bandwidth / LM bytes` steps per second; the table reports the fraction of it each batch-1 run reaches
(1 / TPOT over the roofline). The bandwidth is a device-to-device copy (read + write bytes counted), timed
with CUDA events after a synchronised warm-up; on a CPU the same copy in host memory, for dry runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

# The H100 figures (torch 2.11+cu130, transformers 5.17, qwen2-vl-2b shape, 128 new tokens): tok/s
# by (attn, runner, batch); its "sdpa + static cache (transformers compiles the decode step)" is `compiled`.
REFERENCE_H100 = {
    ("eager", "generate", 1): 36.5,
    ("sdpa", "generate", 1): 9.6,
    ("sdpa", "compiled", 1): 176.9,
    ("eager", "generate", 8): 270.5,
    ("sdpa", "generate", 8): 100.5,
    ("sdpa", "compiled", 8): 1310.0,
    ("sdpa", "generate", 32): 347.8,
}
VISION_PARTS = ("visual", "vision", "multi_modal_projector", "connector", "merger")


def copy_bandwidth(device: str = "cuda", size_bytes: int = 2 << 30, repeats: int = 20) -> dict[str, Any]:
    """Bytes per second of a device-to-device copy of `size_bytes` (read + write), CUDA-synchronised."""
    import torch

    dev = torch.device(device)
    if dev.type == "cpu":
        size_bytes = min(size_bytes, 256 << 20)  # a dry run on a shared CPU box
    src = torch.empty(size_bytes, dtype=torch.uint8, device=dev)
    dst = torch.empty_like(src)
    dst.copy_(src)  # warm-up: allocation and first touch
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(repeats):
            dst.copy_(src)
        end.record()
        torch.cuda.synchronize(dev)
        seconds = start.elapsed_time(end) / 1000
        name = torch.cuda.get_device_name(dev)
    else:
        began = time.perf_counter()
        for _ in range(repeats):
            dst.copy_(src)
        seconds = time.perf_counter() - began
        name = "cpu"
    return {
        "device": name,
        "size_bytes": size_bytes,
        "repeats": repeats,
        "seconds": seconds,
        "bytes_per_s": 2 * size_bytes * repeats / seconds,
    }


def language_model_bytes(preset: str, dtype: str) -> int:
    """Bytes of the preset's parameters outside the vision path (tied weights once): what one batch-1
    decode step reads. Built on the meta device, so nothing is allocated."""
    import torch
    from transformers import AutoModelForImageTextToText

    from vlmhyperbench.models import get_preset

    with torch.device("meta"):
        model = AutoModelForImageTextToText.from_config(get_preset(preset).build_config())
    count = sum(
        p.numel() for name, p in model.named_parameters() if not any(part in name for part in VISION_PARTS)
    )
    return int(count * torch.empty((), dtype=getattr(torch, dtype)).element_size())


def _rows(results: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for folder in results:
        for path in sorted(folder.rglob("*_bench_*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            for bench in data.get("benchmarks", []):
                rows.append(bench["extra_info"])
            for failed in data.get("vlmhyperbench_failed", []):
                rows.append({**failed["extra_info"], "error": failed["error"]})
    return rows


def closing_table(rows: list[dict[str, Any]], bandwidth: float) -> str:
    """Markdown: one line per case, with the roofline fraction of batch-1 runs and the issue's H100 figure."""
    lines = [
        f"HBM copy bandwidth: {bandwidth / 1e12:.2f} TB/s",
        "",
        "| preset | attn | runner | batch | tok/s | TTFT ms | TPOT ms | peak alloc GiB | NVML GiB | "
        "compile s | LM GB/step | roofline steps/s | of roofline | issue H100 tok/s |",
        "|:--|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    lm_bytes: dict[tuple[str, str], int] = {}
    for row in rows:
        config = row["config"]
        preset, runner, batch = config["preset"], config.get("runner", "generate"), config["batch_size"]
        attn = config["attn_implementation"]
        reference = REFERENCE_H100.get((attn, runner, batch)) if preset == "qwen2-vl-2b" else None
        ref = f"{reference:g}" if reference else ""
        if row.get("error"):
            lines.append(
                f"| {preset} | {attn} | {runner} | {batch} | {row['error'].split(':')[0]} |||||||||{ref} |"
            )
            continue
        m = row["metrics"]
        key = (preset, config["dtype"])
        if key not in lm_bytes:
            lm_bytes[key] = language_model_bytes(*key)
        roofline = bandwidth / lm_bytes[key]
        fraction = f"{(1 / m['tpot_s']) / roofline:.1%}" if batch == 1 and m.get("tpot_s") else ""
        compile_s = (row.get("runner") or {}).get("compile_s")
        cells = [
            preset,
            attn,
            runner,
            str(batch),
            f"{m['output_tokens_per_s']:.1f}",
            _num(m.get("ttft_s"), 1000),
            _num(m.get("tpot_s"), 1000),
            _num(m.get("peak_memory_allocated_bytes"), 1 / 2**30),
            _num(m.get("nvml_memory_used_bytes"), 1 / 2**30),
            _num(compile_s, 1),
            f"{lm_bytes[key] / 1e9:.2f}",
            f"{roofline:.0f}",
            fraction,
            ref,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _num(value: Any, scale: float) -> str:
    return "" if value is None else f"{value * scale:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    bw = commands.add_parser("bandwidth", help="measure the copy bandwidth, print JSON")
    bw.add_argument("--device", default="cuda")
    table = commands.add_parser("table", help="the closing Markdown table from result folders")
    table.add_argument("--bandwidth", type=float, required=True, help="bytes per second")
    table.add_argument("results", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "bandwidth":
        print(json.dumps(copy_bandwidth(args.device)))
    else:
        sys.stdout.write(closing_table(_rows(args.results), args.bandwidth))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
