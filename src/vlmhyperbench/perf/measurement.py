"""`GenerationMeasurement`: what one batched `generate` took. Raw values stored, figures derived.

Definitions follow vLLM's `benchmark_serving` so numbers compare:
- TTFT: start of `generate` to the first new token (prefill, vision encoder included);
- per-sequence TPOT = (end_i - TTFT) / (output_tokens_i - 1), averaged over sequences with > 1 token,
  where end_i is when sequence i emitted its last token (the batch latency in fixed-length runs);
- output tokens/s = all new tokens / latency; total tokens/s = (input + output tokens) / latency;
- decode tokens/s = tokens generated after the first step / (latency - TTFT);
- images/s = images / latency; lm_s = latency - vision_s;
- joules per output token = energy_j / all new tokens; joules per image = energy_j / images (figures.py).
Preprocessing (templating, tokenising, image resizing) happens before the timer starts.

Each figure declared in `vlmhyperbench.figures` is read from the attribute of its name: a new figure is a
declaration there plus, here, the property that computes it from the raw values.
An engine without tokens (OCR) leaves `input_tokens`, `output_tokens` and `ttft_s` None: every figure
derived from them is then None (absent), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from vlmhyperbench.figures import FIGURES


@dataclass
class GenerationMeasurement:
    texts: list[str]
    input_tokens: list[int] | None  # per sequence, padding excluded, image tokens included
    output_tokens: list[int] | None  # per sequence, new tokens up to and including EOS
    ttft_s: float | None
    latency_s: float
    images: int
    new_tokens: int  # max_new_tokens asked for
    fixed_length: bool
    token_times_s: list[float] = field(default_factory=list)  # each decoding step, from the start
    vision_s: float | None = None
    peak_memory_allocated_bytes: int | None = None
    peak_memory_reserved_bytes: int | None = None
    nvml_memory_used_bytes: int | None = None
    clock: str = "perf_counter"
    image_tokens: int | None = None  # image placeholder tokens per image, as the LM saw them
    energy_j: float | None = None  # NVML's energy counter over the round (perf/energy.py); None: absent
    energy_reason: str | None = None  # why energy_j is None

    def __post_init__(self) -> None:
        counts = (self.input_tokens, self.output_tokens)
        if None not in counts and len(self.input_tokens or ()) != len(self.output_tokens or ()):
            raise ValueError("input_tokens and output_tokens need one entry per sequence")
        if self.latency_s <= 0 or (self.ttft_s is not None and not 0 <= self.ttft_s <= self.latency_s):
            raise ValueError(f"inconsistent timings: ttft {self.ttft_s}s, latency {self.latency_s}s")

    @property
    def batch_size(self) -> int:
        """Sequences in the batch (one image each where the engine has no tokens)."""
        return len(self.output_tokens) if self.output_tokens is not None else self.images

    def sequence_end_s(self, i: int) -> float:
        """When sequence i emitted its last token (the batch end for the longest ones)."""
        if self.output_tokens is None:
            return self.latency_s
        n = self.output_tokens[i]
        if n < max(self.output_tokens) and 0 < n <= len(self.token_times_s):
            return self.token_times_s[n - 1]
        return self.latency_s

    @property
    def tpot_s(self) -> float | None:
        if self.output_tokens is None or self.ttft_s is None:
            return None
        ttft = self.ttft_s
        per_sequence = [
            (self.sequence_end_s(i) - ttft) / (n - 1) for i, n in enumerate(self.output_tokens) if n > 1
        ]
        return sum(per_sequence) / len(per_sequence) if per_sequence else None

    @property
    def itl_s(self) -> list[float]:
        """Inter-token latencies of the batch's decoding steps."""
        times = self.token_times_s
        return [b - a for a, b in pairwise(times)]

    @property
    def decode_tokens_per_s(self) -> float | None:
        if self.output_tokens is None or self.ttft_s is None:
            return None
        decode_time = self.latency_s - self.ttft_s
        decoded = sum(max(n - 1, 0) for n in self.output_tokens)
        return decoded / decode_time if decode_time > 0 and decoded else None

    @property
    def output_tokens_per_s(self) -> float | None:
        return None if self.output_tokens is None else sum(self.output_tokens) / self.latency_s

    @property
    def total_tokens_per_s(self) -> float | None:
        if self.input_tokens is None or self.output_tokens is None:
            return None
        return (sum(self.input_tokens) + sum(self.output_tokens)) / self.latency_s

    @property
    def images_per_s(self) -> float:
        return self.images / self.latency_s

    @property
    def lm_s(self) -> float | None:
        return None if self.vision_s is None else self.latency_s - self.vision_s

    def figures(self) -> dict[str, float | int | None]:
        """Every declared figure of this round, in declaration order."""
        return {figure.name: figure.value(self) for figure in FIGURES}
