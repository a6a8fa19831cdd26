"""Peak GPU memory of one measured call: torch's allocator peaks and NVML's device view. None on CPU."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class Memory:
    """Bytes; every field is None where the device has no such counter (CPU)."""

    peak_allocated_bytes: int | None = None
    peak_reserved_bytes: int | None = None
    nvml_used_bytes: int | None = None


def nvml_used_bytes(device: Any) -> int | None:
    """Device memory in use as NVML reports it (all processes, allocator cache and CUDA context included)."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        import torch

        pynvml.nvmlInit()
        try:
            index = (
                device.index if getattr(device, "index", None) is not None else torch.cuda.current_device()
            )
            handle = nvml_handle(pynvml, torch, index)
            return int(pynvml.nvmlDeviceGetMemoryInfo(handle).used)
        finally:
            pynvml.nvmlShutdown()
    except Exception:  # NVML missing or driver mismatch: the torch figures still stand
        return None


def nvml_handle(pynvml: Any, torch: Any, index: int) -> Any:
    # torch indexes devices after CUDA_VISIBLE_DEVICES; NVML does not: match by UUID where we can.
    uuid = getattr(torch.cuda.get_device_properties(index), "uuid", None)
    if uuid is not None:
        text = str(uuid)
        for prefix in ("GPU-", ""):
            try:
                return pynvml.nvmlDeviceGetHandleByUUID(f"{prefix}{text}" if prefix else text)
            except Exception:
                continue
    return pynvml.nvmlDeviceGetHandleByIndex(index)


class MemoryTracker:
    """`with tracker.track() as memory:` fills `memory` with the peaks of the block on a CUDA device."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self.cuda = getattr(device, "type", str(device).split(":")[0]) == "cuda"

    @contextmanager
    def track(self) -> Iterator[Memory]:
        memory = Memory()
        if not self.cuda:
            yield memory
            return
        import torch

        torch.cuda.synchronize(self.device)
        torch.cuda.reset_peak_memory_stats(self.device)
        yield memory
        torch.cuda.synchronize(self.device)
        memory.peak_allocated_bytes = int(torch.cuda.max_memory_allocated(self.device))
        memory.peak_reserved_bytes = int(torch.cuda.max_memory_reserved(self.device))
        memory.nvml_used_bytes = nvml_used_bytes(self.device)
