"""`bench --sweep saturation`: where a server stops meeting its SLO, found by probing request rates.

Method (a fixed linear ladder, as GuideLLM's sweep, with early stopping):
1. the synchronous end: one request at a time (concurrency 1, all sent at once), its request rate r_sync;
2. the throughput end: every request at once under the concurrency cap, its request rate r_max;
3. up to `probes` constant-rate cases at r_sync + (r_max - r_sync) * k / probes, k = 1..probes (Poisson
   arrivals, or the `--burstiness` given), in rising order, stopping after the first probe where
   fewer than `share` of the requests met the SLO, or where goodput did not rise above the best so far.
So a sweep measures at most 2 + `probes` cases; each is a normal served case in the result store (its
`serving.saturation` says its role), which `compare` and `ab` read like any other.

From the probes (`saturation_summary`, recomputed from stored cases alike):
- the highest rate meeting the SLO: the highest probed rate where at least `share` of requests met it;
  the true limit lies between it and the next probed rate (the interval), or above it if no probe broke it;
- the knee: the probe of highest goodput; the interval is its two neighbouring probed rates, between
  which goodput stops rising.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vlmhyperbench.errors import UsageError
from vlmhyperbench.serve.schedule import SloTargets
from vlmhyperbench.serve.shapes import LoadShape

if TYPE_CHECKING:  # the summary is read by `compare`, which runs without torch
    from vlmhyperbench.perf.bench import BenchCase, BenchRun

DEFAULT_PROBES = 6
DEFAULT_SHARE = 0.9  # the SLO is met when at least this share of a case's requests meet it


@dataclass(frozen=True)
class SaturationPlan:
    """The SLO, the share of requests that must meet it, the concurrency cap and the most probes."""

    slo: SloTargets
    concurrency: int
    probes: int = DEFAULT_PROBES
    share: float = DEFAULT_SHARE
    burstiness: float = 1.0

    def __post_init__(self) -> None:
        if self.slo.ttft_s is None and self.slo.tpot_s is None:
            raise UsageError("--sweep saturation needs --slo ttft=MS,tpot=MS (what a good request is)")
        if self.probes < 1 or self.concurrency < 1 or not 0 < self.share <= 1:
            raise UsageError(
                f"--sweep saturation needs probes >= 1, concurrency >= 1 and 0 < share <= 1; got "
                f"{self.probes}, {self.concurrency}, {self.share}"
            )

    def ladder(self, r_sync: float, r_max: float) -> list[float]:
        """The probed rates, rising; rounded to 3 significant digits so case names stay readable."""
        low, high = min(r_sync, r_max), max(r_sync, r_max)
        rates = [low + (high - low) * k / self.probes for k in range(1, self.probes + 1)]
        return sorted({float(f"{r:.3g}") for r in rates if r > 0})


def attainment(serving: Mapping[str, Any]) -> float:
    """The share of a case's requests that met the SLO (failed requests did not)."""
    total = serving.get("num_prompts") or 0
    return (serving.get("good_requests") or 0) / total if total else 0.0


def stop_reason(serving: Mapping[str, Any], best_goodput: float, plan: SaturationPlan) -> str | None:
    """Why the ladder stops after this probe, or None to go on."""
    met = attainment(serving)
    if met < plan.share:
        return f"SLO met by {met:.0%} of requests, under {plan.share:.0%}"
    if (serving.get("goodput") or 0.0) <= best_goodput:
        return "goodput stopped rising"
    return None


MeasureCase = Callable[[int, LoadShape], "BenchCase"]


def saturation_sweep(
    measure: MeasureCase,
    plan: SaturationPlan,
    run: BenchRun,
    on_case: Callable[[BenchRun], None] | None = None,
) -> BenchRun:
    """The two ends, then the ladder until it stops; `measure(concurrency, shape)` runs one case."""

    def add(case: BenchCase, role: str, step: int, stopped: str | None = None) -> Mapping[str, Any]:
        serving: dict[str, Any] = case.info.setdefault("serving", {})
        serving["saturation"] = {"role": role, "step": step, "share": plan.share, "stopped": stopped}
        run.cases.append(case)
        if on_case is not None:
            on_case(run)
        return serving

    sync = add(measure(1, LoadShape()), "synchronous", 0)
    full = add(measure(plan.concurrency, LoadShape()), "throughput", 1)
    rates = plan.ladder(sync.get("request_throughput") or 0.0, full.get("request_throughput") or 0.0)
    best = 0.0
    for step, rate in enumerate(rates, start=2):
        case = measure(plan.concurrency, LoadShape(rate, plan.burstiness))
        serving = case.info.get("serving") or {}
        reason = stop_reason(serving, best, plan) if case.error is None else f"case failed: {case.error}"
        add(case, "probe", step, reason)
        best = max(best, serving.get("goodput") or 0.0)
        if reason is not None:
            break
    return run


@dataclass(frozen=True)
class Bracket:
    """A rate found by the ladder and the interval of rates it stands for (`high` None: not bounded)."""

    rate: float | None
    low: float
    high: float | None

    def text(self) -> str:
        if self.rate is None:
            return f"none (below {self.high:.3g} req/s)"
        high = "and above" if self.high is None else f"- {self.high:.3g}"
        return f"{self.rate:.3g} req/s (interval {self.low:.3g} {high})"


def _probes(infos: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    found = [
        i["serving"]
        for i in infos
        if ((i.get("serving") or {}).get("saturation") or {}).get("role") == "probe"
    ]
    return sorted(found, key=lambda s: float(s["request_rate"]))


def saturation_summary(infos: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The highest rate meeting the SLO and the knee, with their intervals, from a sweep's stored cases."""
    probes = _probes(infos)
    if not probes:
        return None
    share = probes[0]["saturation"]["share"]
    rates = [float(p["request_rate"]) for p in probes]
    goodputs = [p.get("goodput") or 0.0 for p in probes]
    meeting = [i for i, p in enumerate(probes) if attainment(p) >= share]
    if meeting:
        top = meeting[-1]
        above = rates[top + 1] if top + 1 < len(rates) else None
        highest = Bracket(rates[top], rates[top], above)
    else:
        highest = Bracket(None, 0.0, rates[0])
    k = max(range(len(probes)), key=lambda i: goodputs[i])
    knee = Bracket(rates[k], rates[k - 1] if k > 0 else 0.0, rates[k + 1] if k + 1 < len(rates) else None)
    last = probes[-1]["saturation"].get("stopped") or f"all {len(probes)} probes measured"
    return {
        "share": share,
        "slo": probes[0].get("slo"),
        "probes": len(probes),
        "highest_rate_meeting_slo": highest.rate,
        "highest_rate_interval": [highest.low, highest.high],
        "highest_rate_text": highest.text(),
        "knee_rate": knee.rate,
        "knee_goodput": goodputs[k],
        "knee_interval": [knee.low, knee.high],
        "knee_text": knee.text(),
        "stopped": last,
    }
