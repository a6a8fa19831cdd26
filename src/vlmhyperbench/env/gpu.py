"""What the NVIDIA driver says, asked through NVML (nvidia-ml-py) with nvidia-smi as a fallback.

Asked without torch, so `doctor` can tell a driver that is too old before any CUDA library loads.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field


@dataclass(frozen=True)
class GpuInfo:
    name: str
    memory_total_bytes: int


@dataclass(frozen=True)
class DriverInfo:
    """The NVIDIA driver on this machine; `driver_version is None` means none was found."""

    driver_version: str | None = None
    cuda_version: tuple[int, int] | None = None  # the newest CUDA the driver runs
    gpus: tuple[GpuInfo, ...] = field(default_factory=tuple)
    source: str = "none"  # "nvml", "nvidia-smi" or "none"
    error: str | None = None

    @property
    def cuda_version_str(self) -> str | None:
        return None if self.cuda_version is None else f"{self.cuda_version[0]}.{self.cuda_version[1]}"


def _from_nvml() -> DriverInfo:
    import pynvml

    pynvml.nvmlInit()
    try:
        driver = pynvml.nvmlSystemGetDriverVersion()
        cuda = pynvml.nvmlSystemGetCudaDriverVersion_v2()
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(GpuInfo(name=str(name), memory_total_bytes=int(memory.total)))
    finally:
        pynvml.nvmlShutdown()
    return DriverInfo(
        driver_version=str(driver),
        cuda_version=(cuda // 1000, (cuda % 1000) // 10),
        gpus=tuple(gpus),
        source="nvml",
    )


def _from_nvidia_smi() -> DriverInfo:
    out = subprocess.run(
        ["nvidia-smi", "--query-gpu=driver_version,name,memory.total", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    header = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=30, check=True).stdout
    cuda = None
    if "CUDA Version:" in header:
        major, minor = header.split("CUDA Version:")[1].split()[0].split(".")[:2]
        cuda = (int(major), int(minor))
    gpus, driver = [], None
    for line in out.strip().splitlines():
        driver, name, mem_mib = (part.strip() for part in line.split(","))
        gpus.append(GpuInfo(name=name, memory_total_bytes=int(float(mem_mib)) * 1024 * 1024))
    return DriverInfo(driver_version=driver, cuda_version=cuda, gpus=tuple(gpus), source="nvidia-smi")


def query_driver() -> DriverInfo:
    """The driver and GPUs, or a DriverInfo with `error` set that says why none was found."""
    errors = []
    try:
        return _from_nvml()
    except Exception as exc:  # NVMLError_LibraryNotFound on machines without a driver, and kin
        errors.append(f"NVML: {exc}")
    if shutil.which("nvidia-smi"):
        try:
            return _from_nvidia_smi()
        except (subprocess.SubprocessError, OSError, ValueError) as exc:
            errors.append(f"nvidia-smi: {exc}")
    else:
        errors.append("nvidia-smi: not on PATH")
    return DriverInfo(error="; ".join(errors))
