"""Models: real VLM architectures from shipped presets (random weights), local folders or Hugging Face ids.

loaded = load_vlm("dummy:tiny-qwen2-vl", device="auto", dtype="auto", attn_implementation=None, seed=0)
inputs = loaded.build_inputs(images, prompts)

What differs between architectures is declared once per family in `models/families/<family>.py`.
"""

from __future__ import annotations

from vlmhyperbench.env.torch_guard import require_torch

require_torch("vlmhyperbench.models")

from vlmhyperbench.errors import ModelLoadError  # noqa: E402
from vlmhyperbench.models.families import FAMILIES, Family, get_family, register_family  # noqa: E402
from vlmhyperbench.models.loading import (  # noqa: E402
    LoadedVLM,
    load_vlm,
    resolve_attn,
    resolve_device,
    resolve_dtype,
)
from vlmhyperbench.models.presets import (  # noqa: E402
    PRESETS,
    Preset,
    add_preset_file,
    get_preset,
    preset_names,
)

__all__ = [
    "FAMILIES",
    "PRESETS",
    "Family",
    "LoadedVLM",
    "ModelLoadError",
    "Preset",
    "add_preset_file",
    "get_family",
    "get_preset",
    "load_vlm",
    "preset_names",
    "register_family",
    "resolve_attn",
    "resolve_device",
    "resolve_dtype",
]
