"""Aggregate measured rounds into the figures results carry (contract 3: config / metrics / rounds).

Pure Python: works on anything with the `GenerationMeasurement` attributes, and needs no torch.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vlmhyperbench.figures import FIGURES
from vlmhyperbench.perf.runners import DEFAULT_RUNNER
from vlmhyperbench.perf.stats import Samples

if TYPE_CHECKING:
    from vlmhyperbench.engines import Engine


def per_round(measurements: Sequence[Any]) -> dict[str, list[Any]]:
    """{figure: [one value per measured round]} (None where a round has no value, e.g. memory on CPU)."""
    return {figure.name: [figure.value(m) for m in measurements] for figure in FIGURES}


def _statistic(values: list[Any], stat: str) -> Any:
    """A `Samples` statistic; the extremes are the measured values themselves (bytes stay whole numbers)."""
    if stat in ("min", "max"):
        return min(values) if stat == "min" else max(values)
    return getattr(Samples(values), stat)


def summarize(measurements: Sequence[Any]) -> dict[str, Any]:
    """Each declared figure summarised over rounds (its `aggregate` and `spread`), and the token counts.

    A figure no round measured (memory on a CPU) is None under each of its keys.
    """
    if not measurements:
        raise ValueError("summarize needs at least one measurement")
    rounds = per_round(measurements)
    metrics: dict[str, Any] = {}
    for figure in FIGURES:
        present = [v for v in rounds[figure.name] if v is not None]
        for stat in figure.stats:
            metrics[figure.key(stat)] = _statistic(present, stat) if present else None
    first = measurements[0]
    metrics["rounds"] = len(measurements)
    metrics["batch_size"] = first.batch_size
    metrics["images"] = first.images
    for name in ("input_tokens", "output_tokens"):  # None (absent) for engines without tokens
        counts = [n for m in measurements for n in getattr(m, name) or ()]
        metrics[name] = Samples(counts).mean if counts else None
    metrics["fixed_length"] = all(m.fixed_length for m in measurements)
    return metrics


def bench_config(
    engine: Engine, batch_size: int, new_tokens: int, fixed_length: bool, runner: str = DEFAULT_RUNNER
) -> dict[str, Any]:
    """`extra_info["config"]` for one benchmark: the engine's settings plus the sweep's; `runner` is how
    the engine decoded (perf/runners.py)."""
    settings = engine.config()
    return {
        "preset": settings.preset,
        "model": settings.model,
        "dtype": settings.dtype,
        "attn_implementation": settings.attn_implementation,
        "batch_size": batch_size,
        "image_tokens": settings.image_tokens,
        "image_size": settings.image_size,
        "new_tokens": new_tokens,
        "fixed_length": fixed_length,
        "device": settings.device,
        "engine": settings.engine,
        "runner": runner,
    }


def extra_info(
    engine: Engine,
    measurements: Sequence[Any],
    batch_size: int,
    new_tokens: int,
    fixed_length: bool,
    runner: str = DEFAULT_RUNNER,
) -> dict[str, Any]:
    """Everything one benchmark stores in pytest-benchmark's `extra_info`."""
    config = bench_config(engine, batch_size, new_tokens, fixed_length, runner)
    seen = next((m.image_tokens for m in measurements if getattr(m, "image_tokens", None) is not None), None)
    if seen is not None:  # what the LM attended to, at these images' resolution
        config["image_tokens"] = seen
    return {
        "config": config,
        "metrics": summarize(measurements),
        "rounds": per_round(measurements),
        "energy": energy_note(measurements),
    }


def energy_note(measurements: Sequence[Any]) -> dict[str, Any]:
    """Whether the rounds' energy was measured and, where it was not, why (the figures are then None)."""
    joules = [getattr(m, "energy_j", None) for m in measurements]
    reasons = sorted({r for m in measurements if (r := getattr(m, "energy_reason", None))})
    return {"joules": joules, "measured": sum(j is not None for j in joules), "reasons": reasons}


OVERHEAD_GOAL = 0.98


def overhead_summary(measurements: Sequence[Any], bare_s: Sequence[float]) -> dict[str, Any]:
    """Our reported output tokens/s over a bare `generate` loop's, medians of interleaved rounds.

    Both sides make the same number of tokens per call (fixed length), so the bare side's tokens/s is
    the measured calls' token count over its synchronised wall time. Goal: ratio >= OVERHEAD_GOAL.
    """
    if not measurements or not bare_s:
        raise ValueError("overhead_summary needs measured rounds and bare rounds")
    counts = [m.output_tokens for m in measurements]
    speeds = [m.output_tokens_per_s for m in measurements]
    if any(c is None for c in counts) or any(v is None for v in speeds):
        raise ValueError("overhead_summary needs token counts, and this engine has none")
    tokens = statistics.median(sum(c or ()) for c in counts)
    bare_tps = tokens / statistics.median(bare_s)
    measured_tps = statistics.median(v or 0.0 for v in speeds)
    return {
        "bare_tokens_per_s": bare_tps,
        "measured_tokens_per_s": measured_tps,
        "ratio": measured_tps / bare_tps,
        "goal": OVERHEAD_GOAL,
        "rounds": len(bare_s),
        "bare_s": list(bare_s),
    }
