"""Engines: what turns (image, prompt) batches into answers, for both the speed and the quality path.

    with create_engine("dummy:tiny-qwen2-vl", LoadOptions(device="cpu")) as engine:
        answers = engine.answer([Query(image, "Total?")], Generation(max_new_tokens=16))

One module per engine in this folder, registered with `@register_engine` and imported here by name
(no list to edit): `hf` (in-process transformers). Torch-free until an engine is loaded.
"""

from __future__ import annotations

import importlib
import pkgutil

from vlmhyperbench.engines.base import Engine, EngineConfig, Generation, LoadOptions, Query
from vlmhyperbench.engines.registry import ENGINES, create_engine, engine_name, register_engine

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in {"base", "registry"}:
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "ENGINES",
    "Engine",
    "EngineConfig",
    "Generation",
    "LoadOptions",
    "Query",
    "create_engine",
    "engine_name",
    "register_engine",
]
