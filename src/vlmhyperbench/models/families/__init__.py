"""Model families, one module each in this folder, registered by importing them (no list to edit).

Adding a family: a module here with a `@register_family` subclass of `Family`, plus its preset JSON in
`vlmhyperbench/models/presets/`.
"""

from __future__ import annotations

import importlib
import pkgutil

from vlmhyperbench.models.families.base import (
    FAMILIES,
    Family,
    family_for_model_type,
    get_family,
    register_family,
)

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["FAMILIES", "Family", "family_for_model_type", "get_family", "register_family"]
