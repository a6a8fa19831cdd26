"""Processors built offline for each preset family: byte tokenizer + default image processor + chat template.

The image resolution is fixed per loaded model, so the number of image tokens is too:
- qwen2_vl: images are resized to (height, width) (multiples of patch*merge = 28) and `min_pixels ==
  max_pixels`, giving (h/28)*(w/28) image tokens (672x896 -> 768, the usual document page);
- llava: CLIP resize + centre crop to the vision tower's `image_size`, (size/patch)^2 tokens;
- idefics3: no tiling, every image squared to the vision `image_size`, (size/patch)^2/scale^2 tokens.
"""

from __future__ import annotations

from typing import Any

from vlmhyperbench.models.tokenizer import build_byte_tokenizer

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

LLAVA_TOKENS = {"<unk>": 0, "<s>": 1, "</s>": 2, "<image>": 32000, "<pad>": 32001}
LLAVA_TEMPLATE = (
    "{% for message in messages %}{{ message['role'].upper() }}: "
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>\n{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %} {% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)

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


def _text_vocab_size(config: Any) -> int:
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    return int(text.vocab_size)


def build_processor(family: str, config: Any, image_size: tuple[int, int]) -> Any:
    """An offline processor for `family`, resizing every image to `image_size` (height, width)."""
    builders = {"qwen2_vl": _qwen2_vl, "llava": _llava, "idefics3": _idefics3}
    if family not in builders:
        raise ValueError(f"no offline processor for family {family!r}; known: {', '.join(builders)}")
    return builders[family](config, image_size)


def _qwen2_vl(config: Any, image_size: tuple[int, int]) -> Any:
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor

    vision = config.vision_config
    unit = vision.patch_size * vision.spatial_merge_size
    height, width = image_size
    if height % unit or width % unit:
        raise ValueError(
            f"qwen2-vl image size must be a multiple of {unit} on each side, got {height}x{width}"
        )
    tokenizer = build_byte_tokenizer(
        QWEN_TOKENS,
        vocab_size=_text_vocab_size(config),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
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


def _llava(config: Any, image_size: tuple[int, int]) -> Any:
    from transformers import CLIPImageProcessor, LlavaProcessor

    vision = config.vision_config
    side = vision.image_size
    tokenizer = build_byte_tokenizer(
        LLAVA_TOKENS,
        vocab_size=_text_vocab_size(config),
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


def _idefics3(config: Any, image_size: tuple[int, int]) -> Any:
    from transformers import Idefics3ImageProcessor, Idefics3Processor

    vision = config.vision_config
    side = vision.image_size
    tokenizer = build_byte_tokenizer(
        IDEFICS3_TOKENS,
        vocab_size=_text_vocab_size(config),
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


def resize_images(images: list[Any], family: str, image_size: tuple[int, int]) -> list[Any]:
    """Resize PIL images to the fixed resolution where the family's processor would keep their shape."""
    if family != "qwen2_vl":
        return images  # llava and idefics3 square every image to the vision tower's size themselves
    height, width = image_size
    return [
        img if img.size == (width, height) else img.convert("RGB").resize((width, height)) for img in images
    ]
