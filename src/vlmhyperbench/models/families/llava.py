"""LLaVA: CLIP resize and centre crop to the vision tower's `image_size`, (size/patch)^2 image tokens."""

from __future__ import annotations

from typing import Any

from vlmhyperbench.models.families.base import Family, register_family

LLAVA_TOKENS = {"<unk>": 0, "<s>": 1, "</s>": 2, "<image>": 32000, "<pad>": 32001}
LLAVA_TEMPLATE = (
    "{% for message in messages %}{{ message['role'].upper() }}: "
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>\n{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %} {% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)


@register_family
class Llava(Family):
    name = "llava"
    model_types = ("llava",)

    def build_processor(self, config: Any, image_size: tuple[int, int]) -> Any:
        from transformers import CLIPImageProcessor, LlavaProcessor

        from vlmhyperbench.models.tokenizer import build_byte_tokenizer, text_vocab_size

        vision = config.vision_config
        side = vision.image_size
        tokenizer = build_byte_tokenizer(
            LLAVA_TOKENS,
            vocab_size=text_vocab_size(config),
            bos_token="<s>",
            eos_token="</s>",
            pad_token="<pad>",
            unk_token="<unk>",
        )
        image_processor = CLIPImageProcessor(
            size={"shortest_edge": side}, crop_size={"height": side, "width": side}
        )
        return LlavaProcessor(
            image_processor=image_processor,
            tokenizer=tokenizer,
            patch_size=vision.patch_size,
            vision_feature_select_strategy=config.vision_feature_select_strategy,
            num_additional_image_tokens=1,  # CLIP's CLS token, dropped by the "default" strategy
            chat_template=LLAVA_TEMPLATE,
        )
