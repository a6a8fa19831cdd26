"""Idefics3 (SmolVLM): no tiling here, every image squared to the vision `image_size`,
(size/patch)^2/scale^2 image tokens; the processor takes a list of images per prompt.
"""

from __future__ import annotations

from typing import Any

from vlmhyperbench.models.families.base import Family, register_family

# SmolVLM: <global-img> 49152, then the 6x6 tile tags, <fake_token_around_image> 49189, <image> 49190.
IDEFICS3_TOKENS = {
    "<|endoftext|>": 0,
    "<|im_start|>": 1,
    "<|im_end|>": 2,
    "<global-img>": 49152,
    **{f"<row_{r}_col_{c}>": 49153 + (r - 1) * 6 + (c - 1) for r in range(1, 7) for c in range(1, 7)},
    "<fake_token_around_image>": 49189,
    "<image>": 49190,
    "<end_of_utterance>": 49279,
}
IDEFICS3_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}:"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<end_of_utterance>\n{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)


@register_family
class Idefics3(Family):
    name = "idefics3"
    model_types = ("idefics3", "smolvlm")

    def build_processor(self, config: Any, image_size: tuple[int, int]) -> Any:
        from transformers import Idefics3ImageProcessor, Idefics3Processor

        from vlmhyperbench.models.tokenizer import build_byte_tokenizer, text_vocab_size

        vision = config.vision_config
        side = vision.image_size
        tokenizer = build_byte_tokenizer(
            IDEFICS3_TOKENS,
            vocab_size=text_vocab_size(config),
            bos_token="<|im_start|>",
            eos_token="<end_of_utterance>",
            pad_token="<|im_end|>",
        )
        image_processor = Idefics3ImageProcessor(
            do_image_splitting=False,
            size={"longest_edge": side},
            max_image_size={"longest_edge": side},
            resample=3,  # PIL BICUBIC: LANCZOS needs torchvision >= 0.27 and would warn
        )
        image_seq_len = (side // vision.patch_size) ** 2 // config.scale_factor**2
        return Idefics3Processor(
            image_processor=image_processor,
            tokenizer=tokenizer,
            image_seq_len=image_seq_len,
            chat_template=IDEFICS3_TEMPLATE,
        )

    def processor_images(self, images: list[Any], image_size: tuple[int, int] | None) -> list[Any]:
        return [[img] for img in images]
