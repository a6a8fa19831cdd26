"""Every speed figure, declared once: name, unit, direction, aggregation over rounds, and how tables show it.

A figure is one number per measured round (`extra_info["rounds"][name]`), taken from the measurement's
attribute of the same name (`GenerationMeasurement` in `perf/measurement.py` says how each is computed).
Everything else derives from the declarations below: the per-round and summary figures of a result
(`perf/summary.py`), the columns of the `bench` table (`report/bench.py`), the speed table of a quality
report (`report/run_report.py`), and the figures `compare` can gate on, with their direction.

Adding a figure: declare it here, and measure it (a property of that name on `GenerationMeasurement`, or a
`measure` function). Pure Python, no torch: `compare` reads results where torch cannot be imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vlmhyperbench.registry import Registry, UnknownNameError

# The statistics of `perf.stats.Samples` a figure may be summarised by (tests/test_figures.py checks them).
STATISTICS = ("mean", "median", "stdev", "min", "max", "p50", "p90", "p99")
# How a stored unit is shown in a table column: the display unit and the factor from the stored value.
DISPLAY_SCALES = {("s", "ms"): 1e3, ("B", "GiB"): 1 / 2**30, ("B", "MiB"): 1 / 2**20}


@dataclass(frozen=True)
class Figure:
    """One speed figure and everything a table, a summary or a gate needs to know about it.

    `aggregate` is the statistic over rounds stored in the summary under `name` (memory is a capacity
    question: the worst round, `max`); `spread` are more statistics stored as `{name}_{stat}`
    (latency percentiles). `column` titles the `bench` table column that shows `columns` (the statistics
    worth a column, the aggregate by default) in `display` units; `optional` figures (GPU memory) get
    their columns only where some row measured them.
    """

    name: str
    label: str
    unit: str
    higher_is_better: bool
    aggregate: str = "mean"
    spread: tuple[str, ...] = ()
    column: str | None = None
    columns: tuple[str, ...] | None = None
    display: str | None = None
    optional: bool = False
    aliases: tuple[str, ...] = ()
    better: str = "faster"
    worse: str = "slower"
    measure: Callable[[Any], float | int | None] | None = None

    def __post_init__(self) -> None:
        for stat in self.stats:
            if stat not in STATISTICS:
                raise ValueError(
                    f"figure {self.name!r}: unknown statistic {stat!r} ({', '.join(STATISTICS)})"
                )
        for stat in self.columns or ():
            if stat != self.aggregate and stat not in self.spread:
                raise ValueError(
                    f"figure {self.name!r}: column {stat!r} is neither the aggregate nor a spread"
                )
        if self.display_unit != self.unit and (self.unit, self.display_unit) not in DISPLAY_SCALES:
            raise ValueError(f"figure {self.name!r}: cannot show {self.unit!r} in {self.display_unit!r}")

    @property
    def stats(self) -> tuple[str, ...]:
        """Every statistic the summary holds: the aggregate, then the spread."""
        return (self.aggregate, *self.spread)

    @property
    def display_unit(self) -> str:
        return self.display or self.unit

    @property
    def scale(self) -> float:
        """Factor from the stored value to the displayed one (seconds to milliseconds: 1000)."""
        return DISPLAY_SCALES.get((self.unit, self.display_unit), 1.0)

    @property
    def table_stats(self) -> tuple[str, ...]:
        """The statistics the `bench` table shows, one column each: none without a `column` title."""
        if self.column is None:
            return ()
        return self.columns if self.columns is not None else (self.aggregate,)

    def key(self, stat: str) -> str:
        """The summary key of a statistic: the aggregate under `name`, the others as `{name}_{stat}`."""
        return self.name if stat == self.aggregate else f"{self.name}_{stat}"

    def column_title(self, stat: str) -> str:
        """`TTFT` for the aggregate's column, the statistic (`p90`) for a spread's; the unit goes below."""
        return (self.column or self.name) if stat == self.aggregate else stat

    def summary_keys(self) -> list[str]:
        return [self.key(stat) for stat in self.stats]

    def value(self, measurement: Any) -> float | int | None:
        """This figure in one measured round (None where it is not measured, e.g. GPU memory on a CPU)."""
        if self.measure is not None:
            return self.measure(measurement)
        value: float | int | None = getattr(measurement, self.name)
        return value

    def regression(self, ratio: float) -> float:
        """How much worse `current` is than `baseline`, as a fraction (negative when it is better).

        Times and memory: ratio - 1 (1.10: 10 % slower). Throughputs: 1 - ratio (0.90: 10 % fewer tokens/s).
        """
        return 1.0 - ratio if self.higher_is_better else ratio - 1.0

    @property
    def direction(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"


FIGURES: Registry[Figure] = Registry("figure")
DEFAULT_FIGURE = "decode_tokens_per_s"  # what `compare` and its gate judge unless told (`--figure`)


def register(figure: Figure) -> Figure:
    return FIGURES.add(figure.name, figure)


def get_figure(name: str) -> Figure:
    """A figure by name or alias; an unknown name fails with the list of known ones."""
    if name in FIGURES:
        return FIGURES.get(name)
    for figure in FIGURES:
        if name in figure.aliases:
            return figure
    raise UnknownNameError(f"Unknown figure {name!r}. Available: {', '.join(FIGURES.names()) or '(none)'}")


def _memory(name: str, label: str, column: str, aliases: tuple[str, ...] = ()) -> Figure:
    """GPU memory: the worst round counts, shown in GiB, and only where a GPU measured it."""
    return Figure(
        name, label, "B", False, aggregate="max", column=column, display="GiB", optional=True,
        aliases=aliases, better="smaller", worse="larger",
    )  # fmt: skip


def joules_per(joules: float | None, count: int | float | None) -> float | None:
    """Joules per token or per image; None (absent) without energy or without anything counted."""
    if joules is None or not count:
        return None
    return joules / count


def _joules_per_output_token(m: Any) -> float | None:
    return joules_per(getattr(m, "energy_j", None), sum(getattr(m, "output_tokens", None) or ()))


def _joules_per_image(m: Any) -> float | None:
    return joules_per(getattr(m, "energy_j", None), getattr(m, "images", None))


def _energy(name: str, label: str, unit: str, column: str, measure: Callable[[Any], float | None]) -> Figure:
    """Energy from NVML's counter (perf/energy.py): lower is better, absent (None) where not measured."""
    return Figure(
        name, label, unit, False, column=column, optional=True, better="less energy", worse="more energy",
        measure=measure,
    )  # fmt: skip


JOULES_PER_OUTPUT_TOKEN = _energy(
    "joules_per_output_token", "energy per output token", "J/tok", "J/tok", _joules_per_output_token
)
JOULES_PER_IMAGE = _energy("joules_per_image", "energy per image", "J/img", "J/img", _joules_per_image)

# In the order results, tables and reports list them.
for _figure in (
    Figure("ttft_s", "time to first token", "s", False, column="TTFT", display="ms", aliases=("ttft",)),
    Figure("tpot_s", "time per output token", "s", False, column="TPOT", display="ms", aliases=("tpot",)),
    Figure("decode_tokens_per_s", "decode tokens/s", "tok/s", True, column="decode", aliases=("decode",)),
    Figure("output_tokens_per_s", "output tokens/s", "tok/s", True, column="output"),
    Figure("total_tokens_per_s", "total tokens/s", "tok/s", True, column="total"),
    Figure("images_per_s", "images/s", "img/s", True, column="images", aliases=("images",)),
    Figure(
        "latency_s",
        "latency",
        "s",
        False,
        spread=("p50", "p90", "p99", "stdev"),
        column="latency",
        columns=("p50", "p90"),
        aliases=("latency",),
    ),
    Figure("vision_s", "vision encoder time", "s", False),
    Figure("lm_s", "language model time", "s", False),
    _memory("peak_memory_allocated_bytes", "peak memory allocated", "alloc", ("memory", "peak_memory")),
    _memory("peak_memory_reserved_bytes", "peak memory reserved", "resvd"),
    _memory("nvml_memory_used_bytes", "GPU memory used (NVML)", "NVML"),
    JOULES_PER_OUTPUT_TOKEN,
    JOULES_PER_IMAGE,
):
    register(_figure)


# The serving benchmark's figures (`vlmhyperbench.serve.bench.serving_figures`, `extra_info["serving"]`).
# Timed ones are over the requests of a case; the rest are per case, over its wall time (first send to
# last answer), as `vllm bench serve` reports them. The serving table (`report/serving.py`) shows `columns`.
SERVING_FIGURES: Registry[Figure] = Registry("serving figure")
_PERCENTILES = ("median", "p90", "p99")
for _figure in (
    Figure("request_throughput", "requests/s", "req/s", True, column="requests"),
    Figure("goodput", "requests/s within the SLO", "req/s", True, column="goodput", optional=True),
    Figure("output_tokens_per_s", "output tokens/s", "tok/s", True, column="output tok/s"),
    Figure("total_tokens_per_s", "total tokens/s", "tok/s", True, column="total tok/s"),
    Figure("ttft_s", "time to first token", "s", False, spread=_PERCENTILES, column="TTFT",
           columns=("mean", "median", "p99"), display="ms"),
    Figure("tpot_s", "time per output token", "s", False, spread=_PERCENTILES, column="TPOT",
           columns=("mean", "median", "p99"), display="ms"),
    Figure("itl_s", "inter-token (chunk) latency", "s", False, spread=_PERCENTILES, column="ITL",
           columns=("median", "p99"), display="ms", optional=True),
    Figure("e2e_s", "end-to-end latency", "s", False, spread=_PERCENTILES, column="E2E",
           columns=("median", "p99"), display="ms"),
    JOULES_PER_OUTPUT_TOKEN,  # over the case: the launched server's GPUs' joules / its output tokens
    JOULES_PER_IMAGE,  # ... / its completed requests (one page each)
):  # fmt: skip
    SERVING_FIGURES.add(_figure.name, _figure)
