"""Runner modes: how the measured `generate` decodes, a benchmark axis like batch size and attention.

    generate   stock `generate` with its dynamic KV cache: what most users run; on a GPU, launch-bound
    static     a preallocated (static) KV cache, nothing compiled
    compiled   the static cache with the decode step compiled by `torch.compile`; on a GPU in
               `reduce-overhead` mode, i.e. the step is captured and replayed as a CUDA graph

All three go through transformers' own `generate` (`cache_implementation="static"` and its `CompileConfig`),
so every runner gets the same logits processors, stopping criteria and streamer, and our timers see the
same calls. Greedy outputs are the same token for token (tests/perf/test_runners.py).

transformers compiles a static-cache decode step by itself on a GPU; `static` turns that off
(`disable_compile`) so it stays the uncompiled middle step. The first call of `compiled` pays for
compilation and graph capture: `compile_summary` reports it apart from the steady-state rounds.

This module itself imports no torch (transformers' `CompileConfig` only when a compiled call is built).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vlmhyperbench.errors import UsageError
from vlmhyperbench.registry import Registry

DEFAULT_RUNNER = "generate"


@dataclass(frozen=True)
class Runner:
    """One way to run the decode loop, as extra `generate` arguments."""

    name: str
    description: str
    static_cache: bool
    compiled: bool

    def generate_kwargs(self, device_type: str) -> dict[str, Any]:
        """What this runner adds to the greedy `generate` call on a device of this type ("cuda", "cpu")."""
        if not self.static_cache:
            return {}
        kwargs: dict[str, Any] = {"cache_implementation": "static"}
        if not self.compiled:
            kwargs["disable_compile"] = True  # transformers would compile a static-cache step on a GPU
            return kwargs
        from transformers import CompileConfig

        # reduce-overhead = inductor + CUDA graphs; on a CPU there are no graphs to capture
        config = CompileConfig(mode="reduce-overhead" if device_type == "cuda" else "default")
        # transformers compiles only on accelerators unless told otherwise; the CPU path is what the
        # tests check token for token.
        config._compile_all_devices = True
        kwargs["compile_config"] = config
        return kwargs


RUNNERS: Registry[Runner] = Registry("runner")
RUNNERS.add(
    "generate",
    Runner("generate", "stock generate, dynamic KV cache", static_cache=False, compiled=False),
)
RUNNERS.add(
    "static",
    Runner("static", "static KV cache, not compiled", static_cache=True, compiled=False),
)
RUNNERS.add(
    "compiled",
    Runner(
        "compiled",
        "static KV cache, decode step compiled (torch.compile; CUDA graphs on GPU)",
        static_cache=True,
        compiled=True,
    ),
)


def get_runner(name: str) -> Runner:
    """The registered runner, or UnknownNameError listing the available ones."""
    return RUNNERS.get(name)


def parse_runners(text: str) -> list[str]:
    """`generate,compiled` -> ["generate", "compiled"]; an unknown name is an error listing the known ones."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UsageError(f"no runner given (use e.g. --runner {','.join(RUNNERS.names())})")
    for name in names:
        if name not in RUNNERS:
            raise UsageError(f"Unknown runner {name!r}. Available: {', '.join(RUNNERS.names())}")
    return names


def check_warmup(runner: str, warmup: int) -> None:
    """A compiled runner's first call compiles and captures: with no warm-up it would be a measured round."""
    if get_runner(runner).compiled and warmup < 1:
        raise UsageError(
            f"runner {runner!r} needs at least one warm-up round (its first call compiles), "
            f"got warmup={warmup}"
        )


def case_suffix(runner: str) -> str:
    """The part a runner adds to a benchmark's id: nothing for stock generate, so results stored before
    runner modes existed still match their successors in `compare`."""
    return "" if runner == DEFAULT_RUNNER else f"-{runner}"


def compile_summary(runner: str, warmup_s: Sequence[float], measured_s: Sequence[float]) -> dict[str, Any]:
    """`extra_info["runner"]`: the runner, and its one-off cost apart from the steady-state rounds.

    `compile_s` is the first warm-up call's latency less the median measured latency: compilation,
    graph capture and first-call allocations (static cache) for `compiled`, near zero for `generate`.
    None without warm-up rounds.
    """
    first = warmup_s[0] if warmup_s else None
    steady = statistics.median(measured_s) if measured_s else None
    compile_s = max(first - steady, 0.0) if first is not None and steady is not None else None
    return {
        "name": runner,
        "description": get_runner(runner).description,
        "first_call_s": first,
        "compile_s": compile_s,
        "warmup_s": list(warmup_s),
    }
