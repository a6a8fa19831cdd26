"""`Family`: what differs between VLM architectures, declared once per family and found by name.

A family says which transformers `model_type`s it covers, how to build an offline processor for a
`dummy:` preset, how images reach its processor, and how a fixed resolution is applied. Loading code
asks the family instead of branching on its name; transformers is imported inside the methods.
"""

from __future__ import annotations

from typing import Any, ClassVar

from vlmhyperbench.errors import ModelLoadError
from vlmhyperbench.registry import Registry


class Family:
    """Defaults fit a fixed-resolution family (one square vision-tower input, e.g. LLaVA)."""

    name: ClassVar[str]
    model_types: ClassVar[tuple[str, ...]]  # transformers config.model_type values of this family

    def build_processor(self, config: Any, image_size: tuple[int, int]) -> Any:
        """An offline processor (byte tokenizer, image processor, chat template) for a dummy preset."""
        raise NotImplementedError(f"family {self.name!r} builds no offline processor")

    def processor_images(self, images: list[Any], image_size: tuple[int, int] | None) -> list[Any]:
        """The `images=` argument of the processor for one image per prompt."""
        return list(images)

    def set_preset_image_size(self, config: Any, size: tuple[int, int]) -> None:
        """Apply `image_size` to a preset's config: a fixed square tower gets a new input side."""
        if size[0] != size[1]:
            raise ModelLoadError(f"{self.name} presets take square images; got image_size {size}")
        config.vision_config.image_size = size[0]

    def set_pretrained_image_size(self, config: Any, processor: Any, size: tuple[int, int]) -> None:
        """Apply `image_size` to trained weights: only dynamic-resolution families can."""
        raise ModelLoadError(
            f"image_size only applies to dynamic-resolution models (qwen2-vl family) when loading "
            f"weights; {config.model_type} has a fixed input size"
        )


FAMILIES: Registry[Family] = Registry("model family")


def register_family(family: type[Family]) -> type[Family]:
    """Class decorator: register one instance of `family` under its `name`."""
    FAMILIES.add(family.name, family())
    return family


def get_family(name: str) -> Family:
    return FAMILIES.get(name)


def family_for_model_type(model_type: str) -> Family | None:
    """The family covering a transformers `model_type`, or None (unknown architectures load as-is)."""
    return next((f for f in FAMILIES if model_type in f.model_types), None)
