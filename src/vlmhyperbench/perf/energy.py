"""Energy of a measured block from NVML's total-energy counter: joules, or why there are none.

    with track_energy(open_energy_counter(device)) as energy:
        ...                                   # one measured round, or one served case
    energy.joules, energy.reason              # a number, or None and the reason (CPU, no NVML, old GPU)

`nvmlDeviceGetTotalEnergyConsumption` counts millijoules since the driver loaded (Volta and newer). The
counter is read before and after the block; the difference over every counted device is the block's
energy. `open_energy_counter(None)` counts every GPU of this machine (a `--launch`ed server may use any
of them), `open_energy_counter(torch_device)` the one device an in-process round runs on. Where there is
no counter the figure is absent, never 0: `Energy.reason` says why, and results store it. The counter
updates every few tens of milliseconds on some GPUs, so a block shorter than that may see no change:
that too is an absent figure with its reason, not a zero. Pure Python; pynvml is imported when opened.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from vlmhyperbench.figures import joules_per

__all__ = ["NO_CHANGE", "Energy", "EnergyCounter", "joules_per", "open_energy_counter", "track_energy"]

NO_CHANGE = "NVML's energy counter did not advance during the measurement (shorter than its update period)"


class EnergyCounter(Protocol):
    """Millijoules consumed since some fixed point, summed over the devices it counts."""

    devices: list[str]

    def read_mj(self) -> int: ...

    def close(self) -> None: ...


@dataclass
class Energy:
    """One block's energy: `joules`, or None and `reason`; `devices` names what was counted."""

    joules: float | None = None
    reason: str | None = None
    devices: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"joules": self.joules, "reason": self.reason, "devices": list(self.devices)}


class NvmlEnergyCounter:
    """NVML's total-energy counter over `handles`; NVML stays initialised until `close()`."""

    def __init__(self, pynvml: Any, handles: Sequence[Any], devices: Sequence[str]) -> None:
        self._nvml, self._handles, self.devices = pynvml, list(handles), list(devices)

    def read_mj(self) -> int:
        return sum(int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(h)) for h in self._handles)

    def close(self) -> None:
        self._nvml.nvmlShutdown()


def open_energy_counter(device: Any = None) -> EnergyCounter | str:
    """The counter for a torch CUDA device (None: every GPU here), or the reason there is none."""
    kind = getattr(device, "type", None) if device is not None else "cuda"
    if kind != "cuda":
        return f"no NVIDIA GPU measured (device {device}): NVML's energy counter is for NVIDIA GPUs"
    try:
        import pynvml
    except ImportError:
        return "nvidia-ml-py is not installed, so NVML's energy counter cannot be read"
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # no driver on this machine: NVMLError_LibraryNotFound and kin
        return f"NVML is not available here ({type(exc).__name__}: {exc})"
    try:
        handles = _handles(pynvml, device)
        names = [str(pynvml.nvmlDeviceGetName(h)) for h in handles]
        if not handles:
            raise RuntimeError("NVML lists no GPU")
        counter = NvmlEnergyCounter(pynvml, handles, names)
        counter.read_mj()  # pre-Volta GPUs answer NVMLError_NotSupported here
        return counter
    except Exception as exc:
        pynvml.nvmlShutdown()
        return f"NVML has no energy counter here ({type(exc).__name__}: {exc})"


def _handles(pynvml: Any, device: Any) -> list[Any]:
    if device is None:
        return [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
    import torch

    from vlmhyperbench.perf.memory import nvml_handle

    index = device.index if device.index is not None else torch.cuda.current_device()
    return [nvml_handle(pynvml, torch, index)]


@contextmanager
def track_energy(counter: EnergyCounter | str) -> Iterator[Energy]:
    """Fill the yielded `Energy` with the block's joules (counter read before and after), or a reason.

    A counter that fails to read leaves the figure absent with the error as its reason; the block's own
    errors propagate unchanged.
    """
    if isinstance(counter, str):
        yield Energy(reason=counter)
        return
    energy = Energy(devices=tuple(counter.devices))
    try:
        before = _read(counter, energy)
        yield energy
        after = _read(counter, energy)
    finally:
        counter.close()
    if before is None or after is None:
        return
    if after > before:
        energy.joules = (after - before) / 1000.0
    else:
        energy.reason = NO_CHANGE


def _read(counter: EnergyCounter, energy: Energy) -> int | None:
    try:
        return counter.read_mj()
    except Exception as exc:  # the round still stands; only its energy is absent
        energy.reason = f"NVML's energy counter could not be read ({type(exc).__name__}: {exc})"
        return None
