"""Refuse a batch that can never fit before allocating it, instead of growing until the OS kills the process.

`bench --batch 100000000` used to build pages and tensors until the kernel's OOM killer ended it (issue 13).
The estimate is a floor: the synthetic pages on the host (`bench.document_pages`, RGB bytes) plus the KV
cache of every sequence (`Engine.kv_cache_bytes_per_token` x tokens) on the engine's device; the weights are
loaded already. It is compared with the device's whole memory (this machine's RAM; a GPU's memory less what
torch holds now), not with what happens to be free: a batch near the limit still runs, and the allocator's
out-of-memory error is recorded as before when it does not fit after all. Only a batch that cannot fit on
this machine at all is refused, and it is refused in one line that says how much it needs.
"""

from __future__ import annotations

import os

from vlmhyperbench.engines import Engine

PAGE_SIZE = (850, 1100)  # `document_pages`' default resolution
PAGE_BYTES = PAGE_SIZE[0] * PAGE_SIZE[1] * 3  # one RGB page as PIL holds it
PROMPT_TOKENS = 16  # a floor for the templated prompt around the image tokens


def host_memory_bytes() -> int | None:
    """This machine's physical memory, or None where the OS does not say (POSIX sysconf)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def device_memory_bytes(device: str) -> int | None:
    """A CUDA device's memory less what this process's torch holds (the weights); None for other devices."""
    if not device.startswith("cuda"):
        return None
    import torch

    index = torch.device(device).index
    index = torch.cuda.current_device() if index is None else index
    total = int(torch.cuda.get_device_properties(index).total_memory)
    return total - int(torch.cuda.memory_allocated(index))


def _gib(size: int) -> str:
    return f"{size / 2**30:,.1f} GiB"


def batch_does_not_fit(
    engine: Engine, batch: int, new_tokens: int, page_bytes: int = PAGE_BYTES
) -> str | None:
    """Why `batch` pages cannot be measured on this machine with `engine` (after `load()`), or None."""
    config = engine.config()
    device = config.device or "cpu"
    per_token = engine.kv_cache_bytes_per_token()
    tokens = (config.image_tokens or 0) + PROMPT_TOKENS + new_tokens
    cache = batch * tokens * per_token if per_token else 0
    pages = batch * page_bytes
    on_gpu = device.startswith("cuda")
    host = pages if on_gpu else pages + cache
    ram = host_memory_bytes()
    if ram is not None and host > ram:
        parts = f"pages {_gib(pages)}" + ("" if on_gpu or not cache else f", KV cache {_gib(cache)}")
        return (
            f"batch {batch} does not fit: it needs at least {_gib(host)} of memory ({parts}) and this "
            f"machine has {_gib(ram)}; choose a smaller --batch"
        )
    room = device_memory_bytes(device) if on_gpu and cache else None
    if room is not None and cache > room:
        return (
            f"batch {batch} does not fit: its KV cache needs at least {_gib(cache)} on {device}, which has "
            f"{_gib(room)} beside the weights; choose a smaller --batch"
        )
    return None
