"""Models: real VLM architectures from shipped presets (random weights), local folders or Hugging Face ids.

loaded = load_vlm("dummy:tiny-qwen2-vl", device="auto", dtype="auto", attn_implementation=None, seed=0)
inputs = loaded.build_inputs(images, prompts)
"""

from __future__ import annotations

from vlmhyperbench.env.torch_guard import require_torch

require_torch("vlmhyperbench.models")

from vlmhyperbench.models.loading import (  # noqa: E402
    LoadedVLM,
    ModelLoadError,
    load_vlm,
    resolve_attn,
    resolve_device,
    resolve_dtype,
)
from vlmhyperbench.models.presets import PRESETS, Preset, get_preset, preset_names  # noqa: E402

__all__ = [
    "PRESETS",
    "LoadedVLM",
    "ModelLoadError",
    "Preset",
    "get_preset",
    "load_vlm",
    "preset_names",
    "resolve_attn",
    "resolve_device",
    "resolve_dtype",
]
