"""One side of an A/B comparison: a process that loads a model once and measures a round on request.

    python path/to/worker.py            # stdin/stdout: one JSON object per line

Run by file path, not as `-m vlmhyperbench.ab.worker`, so that the same file drives any environment with
vlmhyperbench installed, the v0.1.0 release included (it has no `vlmhyperbench.ab`). It therefore imports
only public API that v0.1.0 already had: `vlmhyperbench.models.load_vlm`,
`vlmhyperbench.perf.measure_generation`, `vlmhyperbench.env.info.collect_environment`, and the test-only
slowdown hook (`VLMHYPERBENCH_TEST_SLOWDOWN`, read by `measure_generation` on every call).

Requests and replies (every reply has `ok`; a failure has `error`, one line):

    {"op": "load", "model": "dummy:tiny-llava", "dtype": "auto", "attn": null, "new_tokens": 8,
     "batch": 1, "threads": 1, "seed": 0,
     "figures": ["decode_tokens_per_s", ...]}             -> {"ok": true, "environment": {...}, "load_s": 1.2}
    {"op": "measure", "slowdown": 0.0, "calls": 3, "settle": 1}
                                                 -> {"ok": true, "figures": {"tokens_per_s": ...}, "calls": 3}
    {"op": "quit"}                                    -> {"ok": true}, then exit

stdout carries the protocol only: anything a library prints goes to stderr (the driver keeps its tail).
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import sys
import time
import traceback
from typing import Any

PROMPT = "Read the text in this document."
SLOWDOWN_ENV_VAR = "VLMHYPERBENCH_TEST_SLOWDOWN"


class Worker:
    def __init__(self) -> None:
        self.loaded: Any = None
        self.images: list[Any] = []
        self.prompts: list[str] = []
        self.inputs: Any = None
        self.new_tokens = 8
        self.figures: list[str] = []

    def load(self, request: dict[str, Any]) -> dict[str, Any]:
        importlib.import_module("vlmhyperbench")  # before torch: "no vlmhyperbench here" is the usual miss
        import torch
        from PIL import Image

        from vlmhyperbench.env.info import collect_environment
        from vlmhyperbench.models import load_vlm

        if request.get("threads"):
            torch.set_num_threads(int(request["threads"]))
        started = time.perf_counter()
        self.loaded = load_vlm(
            request["model"],
            device=request.get("device", "auto"),
            dtype=request.get("dtype", "auto"),
            attn_implementation=request.get("attn"),
            seed=int(request.get("seed", 0)),
        )
        batch = int(request.get("batch", 1))
        self.images = [Image.new("RGB", (256, 256), "white")] * batch
        self.prompts = [PROMPT] * batch
        self.inputs = self.loaded.build_inputs(self.images, self.prompts)
        self.new_tokens = int(request.get("new_tokens", 8))
        self.figures = list(request.get("figures") or ["decode_tokens_per_s"])
        environment = {k: v for k, v in collect_environment().items() if v is not None}
        environment["executable"] = sys.executable
        return {"environment": environment, "load_s": time.perf_counter() - started}

    def measure(self, request: dict[str, Any]) -> dict[str, Any]:
        """`settle` unrecorded calls (the caches the other side's worker just evicted), then the median of
        `calls` timed calls per figure: one generate of a tiny model is too short to time on a shared CPU."""
        from vlmhyperbench.perf import measure_generation

        if self.loaded is None:
            raise RuntimeError("measure before load")
        slowdown = float(request.get("slowdown") or 0.0)
        calls = max(1, int(request.get("calls") or 1))
        settle = max(0, int(request.get("settle") or 0))
        if slowdown:
            os.environ[SLOWDOWN_ENV_VAR] = str(slowdown)
        samples: dict[str, list[float]] = {name: [] for name in self.figures}
        try:
            for call in range(settle + calls):
                m = measure_generation(
                    self.loaded,
                    self.images,
                    self.prompts,
                    self.new_tokens,
                    fixed_length=True,
                    inputs=self.inputs,
                )
                if call < settle:
                    continue
                for name in self.figures:  # properties of GenerationMeasurement; None where not measured
                    value = getattr(m, name, None)
                    if isinstance(value, (int, float)):
                        samples[name].append(float(value))
        finally:
            os.environ.pop(SLOWDOWN_ENV_VAR, None)
        figures = {name: (statistics.median(v) if v else None) for name, v in samples.items()}
        return {"figures": figures, "calls": calls}


def serve(lines: Any, reply: Any) -> None:
    """Answer requests until `quit` or end of input; an exception becomes a one-line error reply."""
    worker = Worker()
    for line in lines:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            op = request.get("op")
            if op == "quit":
                reply({"ok": True})
                return
            if op == "load":
                answer = worker.load(request)
            elif op == "measure":
                answer = worker.measure(request)
            else:
                raise ValueError(f"unknown op {op!r}")
            reply({"ok": True, **answer})
        except Exception as exc:  # the driver turns it into a one-line error naming the side
            traceback.print_exc(file=sys.stderr)
            reply({"ok": False, "error": f"{type(exc).__name__}: {exc}".splitlines()[0]})


def main() -> None:
    protocol = sys.stdout
    sys.stdout = sys.stderr  # library prints must not corrupt the protocol

    def reply(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message, default=str) + "\n")
        protocol.flush()

    os.environ.pop(SLOWDOWN_ENV_VAR, None)  # only a request may slow a round
    serve(sys.stdin, reply)


if __name__ == "__main__":
    main()
