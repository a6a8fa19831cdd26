"""Model presets: real VLM architectures as small config files shipped in `presets/*.json`.

A preset is the public `config.json` numbers of a model (or a `tiny-*` shrink of the same code path for
CPU tests) plus the processor family and the default image resolution. `dummy:<preset>` builds it with
random weights and no download, like vLLM's `load_format=dummy`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from vlmhyperbench.models.families import FAMILIES
from vlmhyperbench.registry import Registry


@dataclass(frozen=True)
class Preset:
    """One shipped architecture. `config` is a transformers config dict (with `model_type`)."""

    name: str
    family: str
    description: str
    source: str
    image_size: tuple[int, int]  # (height, width) the processor resizes every image to
    config: dict[str, Any] = field(repr=False)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(
                f"preset {self.name!r}: family {self.family!r} is not one of {', '.join(FAMILIES.names())}"
            )
        if "model_type" not in self.config:
            raise ValueError(f"preset {self.name!r}: config has no 'model_type'")
        if len(self.image_size) != 2 or min(self.image_size) <= 0:
            raise ValueError(
                f"preset {self.name!r}: image_size must be [height, width], got {self.image_size}"
            )

    @property
    def tiny(self) -> bool:
        return self.name.startswith("tiny-")

    def build_config(self) -> Any:
        """The transformers `PretrainedConfig` object (no weights, no download)."""
        from transformers import AutoConfig

        config = dict(self.config)
        return AutoConfig.for_model(config.pop("model_type"), **config)


def read_preset(name: str, text: str) -> Preset:
    """A preset from its JSON text (`family`, `image_size`, `config`, optional description and source)."""
    data = json.loads(text)
    return Preset(
        name=name,
        family=data["family"],
        description=data.get("description", ""),
        source=data.get("source", ""),
        image_size=(int(data["image_size"][0]), int(data["image_size"][1])),
        config=data["config"],
    )


def _load_presets() -> Registry[Preset]:
    registry: Registry[Preset] = Registry("preset")
    folder = resources.files("vlmhyperbench.models") / "presets"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            name = entry.name.removesuffix(".json")
            registry.add(name, read_preset(name, entry.read_text(encoding="utf-8")))
    return registry


PRESETS: Registry[Preset] = _load_presets()


def add_preset_file(path: Path) -> Preset:
    """Register a preset JSON kept outside the package (its file name is the preset name)."""
    path = Path(path)
    return PRESETS.add(path.stem, read_preset(path.stem, path.read_text(encoding="utf-8")))


def get_preset(name: str) -> Preset:
    """The preset called `name`; an unknown name fails listing the available ones."""
    return PRESETS.get(name)


def preset_names(tiny: bool | None = None) -> list[str]:
    """All preset names, or only the tiny (`tiny=True`) / full-size (`tiny=False`) ones."""
    return [p.name for p in PRESETS if tiny is None or p.tiny == tiny]
