"""The figures a comparison can be made on, each with the direction that counts as better.

Names are the per-round figures of contract 3 (`extra_info["rounds"]`). A figure carries its direction so a
ratio of 0.9 reads as "slower" for tokens/s and "faster" for TTFT, and the words a verdict uses for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vlmhyperbench.registry import Registry


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    higher_is_better: bool
    better: str = "faster"
    worse: str = "slower"

    def regression(self, ratio: float) -> float:
        """How much worse `current` is than `baseline`, as a fraction (negative when it is better).

        Times and memory: ratio - 1 (1.10: 10 % slower). Throughputs: 1 - ratio (0.90: 10 % fewer tokens/s).
        """
        return 1.0 - ratio if self.higher_is_better else ratio - 1.0


FIGURES: Registry[Figure] = Registry("figure")

for _figure in (
    Figure("decode_tokens_per_s", "decode tokens/s", "tok/s", higher_is_better=True),
    Figure("ttft_s", "time to first token", "s", higher_is_better=False),
    Figure("tpot_s", "time per output token", "s", higher_is_better=False),
    Figure("images_per_s", "images/s", "img/s", higher_is_better=True),
    Figure("output_tokens_per_s", "output tokens/s", "tok/s", higher_is_better=True),
    Figure("total_tokens_per_s", "total tokens/s", "tok/s", higher_is_better=True),
    Figure("latency_s", "latency", "s", higher_is_better=False),
    Figure("vision_s", "vision encoder time", "s", higher_is_better=False),
    Figure("lm_s", "language model time", "s", higher_is_better=False),
    Figure(
        "peak_memory_allocated_bytes", "peak memory allocated", "B", False, better="smaller", worse="larger"
    ),
    Figure(
        "peak_memory_reserved_bytes", "peak memory reserved", "B", False, better="smaller", worse="larger"
    ),
    Figure("nvml_memory_used_bytes", "GPU memory used (NVML)", "B", False, better="smaller", worse="larger"),
):
    FIGURES.add(_figure.name, _figure)

# Short names accepted on the command line.
ALIASES = {
    "decode": "decode_tokens_per_s",
    "ttft": "ttft_s",
    "tpot": "tpot_s",
    "images": "images_per_s",
    "latency": "latency_s",
    "memory": "peak_memory_allocated_bytes",
    "peak_memory": "peak_memory_allocated_bytes",
}

DEFAULT_FIGURE = "decode_tokens_per_s"


def get_figure(name: str) -> Figure:
    """A figure by name or alias; an unknown name fails with the list of known ones."""
    return FIGURES.get(ALIASES.get(name, name))
