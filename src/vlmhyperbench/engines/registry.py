"""Engines by name, and which engine a model spec selects.

`NAME:rest` selects the engine registered as NAME (`openai:gpt-4o`, `tesseract:rus`, `hf:org/model`) or
the engine that claims that prefix (`dummy:<preset>` is `hf`); a local folder or a Hugging Face id
(`org/name`) is `hf`. An unknown prefix fails listing the engines, so `opneai:x` names its fix.
"""

from __future__ import annotations

import re
from pathlib import Path

from vlmhyperbench.engines.base import Engine, LoadOptions
from vlmhyperbench.registry import Registry, UnknownNameError

DEFAULT_ENGINE = "hf"
ENGINES: Registry[type[Engine]] = Registry("engine")
_PREFIX = re.compile(r"[A-Za-z][\w-]*")


def register_engine(engine: type[Engine]) -> type[Engine]:
    """Class decorator: make `engine` selectable as `engine.name` (and by its `prefixes`)."""
    for prefix in (engine.name, *engine.prefixes):
        owner = next((e.name for e in ENGINES if prefix in (e.name, *e.prefixes)), None)
        if owner is not None:
            raise ValueError(
                f"engine {engine.name!r}: spec prefix {prefix!r} already selects engine {owner!r}"
            )
    ENGINES.add(engine.name, engine)
    return engine


def engine_name(spec: str) -> str:
    """The name of the engine that `spec` selects."""
    prefix, colon, _ = spec.partition(":")
    if not colon or not _PREFIX.fullmatch(prefix) or Path(spec).expanduser().exists():
        return DEFAULT_ENGINE
    if prefix in ENGINES:
        return prefix
    claimed = next((e.name for e in ENGINES if prefix in e.prefixes), None)
    if claimed is None:
        choices = [f"{e.name}:..." for e in ENGINES] + [f"{p}:..." for e in ENGINES for p in e.prefixes]
        raise UnknownNameError(
            f"Unknown engine {prefix!r} in model {spec!r}. Available: {', '.join(choices)}, "
            "a local folder or a Hugging Face id"
        )
    return claimed


def create_engine(spec: str, options: LoadOptions | None = None) -> Engine:
    """The engine for `spec`, created but not loaded (call `load()` or use it as a context manager)."""
    return ENGINES.get(engine_name(spec))(spec, options)
