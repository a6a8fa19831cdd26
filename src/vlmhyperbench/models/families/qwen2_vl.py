"""Qwen2-VL and Qwen2.5-VL: dynamic resolution, fixed here so the number of image tokens is too.

Images are resized to (height, width), multiples of patch*merge = 28, with `min_pixels == max_pixels`,
giving (h/28)*(w/28) image tokens (672x896 -> 768, the usual document page).
"""

from __future__ import annotations

from typing import Any

from vlmhyperbench.errors import ModelLoadError
from vlmhyperbench.models.families.base import Family, register_family

QWEN_TOKENS = {
    "<|endoftext|>": 151643,
    "<|im_start|>": 151644,
    "<|im_end|>": 151645,
    "<|object_ref_start|>": 151646,
    "<|object_ref_end|>": 151647,
    "<|box_start|>": 151648,
    "<|box_end|>": 151649,
    "<|quad_start|>": 151650,
    "<|quad_end|>": 151651,
    "<|vision_start|>": 151652,
    "<|vision_end|>": 151653,
    "<|vision_pad|>": 151654,
    "<|image_pad|>": 151655,
    "<|video_pad|>": 151656,
}
QWEN_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@register_family
class Qwen2VL(Family):
    name = "qwen2_vl"
    model_types = ("qwen2_vl", "qwen2_5_vl")

    def build_processor(self, config: Any, image_size: tuple[int, int]) -> Any:
        from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor

        from vlmhyperbench.models.tokenizer import build_byte_tokenizer, text_vocab_size

        vision = config.vision_config
        height, width = image_size
        self._check_multiple(config, image_size)
        tokenizer = build_byte_tokenizer(
            QWEN_TOKENS, vocab_size=text_vocab_size(config), eos_token="<|im_end|>", pad_token="<|endoftext|>"
        )
        image_processor = Qwen2VLImageProcessor(
            min_pixels=height * width,
            max_pixels=height * width,
            patch_size=vision.patch_size,
            merge_size=vision.spatial_merge_size,
            temporal_patch_size=vision.temporal_patch_size,
        )
        video_processor = Qwen2VLVideoProcessor(
            patch_size=vision.patch_size,
            merge_size=vision.spatial_merge_size,
            temporal_patch_size=vision.temporal_patch_size,
        )
        return Qwen2VLProcessor(
            image_processor=image_processor,
            tokenizer=tokenizer,
            video_processor=video_processor,
            chat_template=QWEN_TEMPLATE,
        )

    def processor_images(self, images: list[Any], image_size: tuple[int, int] | None) -> list[Any]:
        """Resized here to the fixed resolution: the processor would otherwise keep each image's shape."""
        if image_size is None:
            return list(images)
        height, width = image_size
        return [
            img if img.size == (width, height) else img.convert("RGB").resize((width, height))
            for img in images
        ]

    def set_preset_image_size(self, config: Any, size: tuple[int, int]) -> None:
        """Nothing in the model changes: the processor resizes (checked when it is built)."""

    def set_pretrained_image_size(self, config: Any, processor: Any, size: tuple[int, int]) -> None:
        self._check_multiple(config, size)
        pixels = size[0] * size[1]
        processor.image_processor.size = {"shortest_edge": pixels, "longest_edge": pixels}

    @staticmethod
    def _check_multiple(config: Any, size: tuple[int, int]) -> None:
        unit = config.vision_config.patch_size * config.vision_config.spatial_merge_size
        if size[0] % unit or size[1] % unit:
            raise ModelLoadError(
                f"qwen2-vl image size must be a multiple of {unit} on each side, got {size[0]}x{size[1]}"
            )
