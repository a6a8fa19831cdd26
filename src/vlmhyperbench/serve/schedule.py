"""When each benchmark request is sent: all at once (`inf`), or Poisson arrivals at R requests/s, seeded.

Poisson arrivals are exponential gaps with mean 1/R drawn from `random.Random(seed)`, as in
`vllm bench serve` (burstiness 1), so the same seed gives the same schedule on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from vlmhyperbench.counts import parse_counts
from vlmhyperbench.errors import UsageError
from vlmhyperbench.serve.shapes import LoadShape


@dataclass(frozen=True)
class SloTargets:
    """Goodput's service-level objectives: a request counts when each set target is met (seconds)."""

    ttft_s: float | None = None
    tpot_s: float | None = None

    def met(self, ttft_s: float | None, tpot_s: float | None) -> bool:
        if self.ttft_s is not None and (ttft_s is None or ttft_s > self.ttft_s):
            return False
        return self.tpot_s is None or tpot_s is None or tpot_s <= self.tpot_s

    def as_dict(self) -> dict[str, float | None]:
        return {"ttft_s": self.ttft_s, "tpot_s": self.tpot_s}


def parse_slo(text: str | None) -> SloTargets | None:
    """`ttft=500,tpot=50` (milliseconds, as `vllm bench serve --goodput`) -> SloTargets in seconds."""
    if not text:
        return None
    values: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, eq, number = part.partition("=")
        name = name.strip().lower()
        if not eq or name not in {"ttft", "tpot"}:
            raise UsageError(f"--slo {text!r}: use ttft=MS,tpot=MS (got {part!r})")
        try:
            ms = float(number)
        except ValueError:
            raise UsageError(f"--slo {text!r}: {number!r} is not a number of milliseconds") from None
        if ms <= 0:
            raise UsageError(f"--slo {text!r}: {name} must be positive")
        values[f"{name}_s"] = ms / 1000
    return SloTargets(**values)


def parse_rates(text: str) -> list[float]:
    """`inf` / `2.5` / `1,4,inf` -> request rates per second (inf: every request at once)."""
    rates = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        try:
            rate = float(part)
        except ValueError:
            raise UsageError(f"--request-rate {part!r}: use a number of requests/s or inf") from None
        if not rate > 0:
            raise UsageError(f"--request-rate must be positive (or inf), got {part}")
        rates.append(rate)
    if not rates:
        raise UsageError("no --request-rate given (use e.g. --request-rate inf or 1,4,inf)")
    return rates


def arrival_offsets(n: int, rate: float, seed: int = 0) -> list[float]:
    """Seconds from the start at which each of `n` requests is sent (Poisson; see `shapes.LoadShape`)."""
    return LoadShape(rate).offsets(n, seed)


def parse_concurrency(text: str) -> list[int]:
    """`1,8,32` -> [1, 8, 32]: requests in flight at most, one case each."""
    return parse_counts(text, "--concurrency", "--concurrency")
