"""Clocks: CUDA events on a GPU, `time.perf_counter` on CPU, chosen once per device.

A clock hands out opaque marks (cheap: an event record is a few microseconds and never synchronises)
and turns pairs of marks into seconds after one `synchronize()`. Hooks inside `generate` only record
marks, so timing costs nothing measurable and never stalls the GPU pipeline.
"""

from __future__ import annotations

import time
from typing import Any, Protocol


class Clock(Protocol):
    name: str

    def mark(self) -> Any: ...

    def synchronize(self) -> None: ...

    def seconds(self, start: Any, end: Any) -> float: ...


class PerfCounterClock:
    """CPU: the work is synchronous, so wall-clock marks are exact."""

    name = "perf_counter"

    def mark(self) -> float:
        return time.perf_counter()

    def synchronize(self) -> None:
        return None

    def seconds(self, start: float, end: float) -> float:
        return end - start


class CudaEventClock:
    """GPU: events recorded in stream order; they read the GPU timeline, not the CPU's launch time."""

    name = "cuda_event"

    def __init__(self, device: Any) -> None:
        import torch

        self._torch = torch
        self.device = device

    def mark(self) -> Any:
        event = self._torch.cuda.Event(enable_timing=True)
        event.record(self._torch.cuda.current_stream(self.device))
        return event

    def synchronize(self) -> None:
        self._torch.cuda.synchronize(self.device)

    def seconds(self, start: Any, end: Any) -> float:
        return float(start.elapsed_time(end)) / 1000.0  # elapsed_time is in milliseconds


def clock_for(device: Any) -> Clock:
    """The clock for a torch device (or its string): events for cuda, perf_counter otherwise."""
    kind = getattr(device, "type", str(device).split(":")[0])
    if kind == "cuda":
        return CudaEventClock(device)
    return PerfCounterClock()


def busy_wait(seconds: float) -> None:
    """Spin (not sleep) so the delay is exact and shows up as compute time."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
