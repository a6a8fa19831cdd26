"""`load_vlm(spec)`: a VLM and its processor from `dummy:<preset>`, a local folder or a Hugging Face id."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from vlmhyperbench.errors import ModelLoadError
from vlmhyperbench.models.families import FAMILIES, family_for_model_type, get_family
from vlmhyperbench.models.presets import Preset, get_preset, preset_names
from vlmhyperbench.registry import UnknownNameError

DUMMY_PREFIX = "dummy:"
DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}
ATTN_IMPLEMENTATIONS = {
    "eager": "eager",
    "sdpa": "sdpa",
    "flash": "flash_attention_2",
    "flash_attention_2": "flash_attention_2",
    "flash_attention_3": "flash_attention_3",
    "flex_attention": "flex_attention",
}
# where the vision encoder and its projector sit (inside `model.model` for transformers >= 4.52)
VISION_TOWER_NAMES = ("visual", "vision_tower", "vision_model")
PROJECTOR_NAMES = ("multi_modal_projector", "connector")


@dataclass
class LoadedVLM:
    """A model ready for `generate`, its processor, and the options it was loaded with."""

    model: Any
    processor: Any
    name: str
    spec: str
    family: str  # a registered family name, or the model_type of an architecture no family covers
    device: torch.device
    dtype: torch.dtype
    attn_implementation: str
    image_size: tuple[int, int] | None
    preset: Preset | None = None
    _image_tokens: int | None = field(default=None, repr=False)

    def build_inputs(self, images: list[Any], prompts: list[str]) -> Any:
        """One chat turn per (image, prompt) pair: templated, tokenised, padded left, on the device."""
        inputs = self.preprocess(images, prompts).to(self.device)
        if "pixel_values" in inputs and inputs["pixel_values"].is_floating_point():
            inputs["pixel_values"] = inputs["pixel_values"].to(self.dtype)
        return inputs

    def preprocess(self, images: list[Any], prompts: list[str]) -> Any:
        """`build_inputs` on the CPU, as the processor returns it (float32 pixels)."""
        if len(images) != len(prompts):
            raise ValueError(
                f"got {len(images)} images for {len(prompts)} prompts; pass one image per prompt"
            )
        if not prompts:
            raise ValueError("build_inputs needs at least one (image, prompt) pair")
        texts = [
            self.processor.apply_chat_template(
                [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}],
                add_generation_prompt=True,
                tokenize=False,
            )
            for prompt in prompts
        ]
        # an architecture no family module covers gets its images as they are
        family = FAMILIES.get(self.family) if self.family in FAMILIES else None
        batch_images = family.processor_images(images, self.image_size) if family else list(images)
        inputs = self.processor(text=texts, images=batch_images, padding=True, return_tensors="pt")
        inputs.pop("token_type_ids", None)
        inputs.pop("mm_token_type_ids", None)
        return inputs

    @property
    def image_token_id(self) -> int | None:
        config = self.model.config
        for name in ("image_token_id", "image_token_index"):
            if getattr(config, name, None) is not None:
                return int(getattr(config, name))
        return None

    @property
    def image_tokens(self) -> int:
        """Image placeholder tokens per image at this resolution (what the LM attends to)."""
        if self._image_tokens is None:
            from PIL import Image

            side = self.image_size or (224, 224)
            inputs = self.preprocess([Image.new("RGB", (side[1], side[0]), "white")], ["x"])
            self._image_tokens = int((inputs["input_ids"] == self.image_token_id).sum())
        return self._image_tokens

    def vision_modules(self) -> tuple[Any, Any] | None:
        """(first, last) modules of the vision path (encoder, then any projector), for timing hooks."""
        inner = getattr(self.model, "model", self.model)
        tower = next((getattr(inner, n) for n in VISION_TOWER_NAMES if hasattr(inner, n)), None)
        if tower is None:
            return None
        projector = next((getattr(inner, n) for n in PROJECTOR_NAMES if hasattr(inner, n)), None)
        return tower, projector if projector is not None else tower

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def describe(self) -> dict[str, Any]:
        """The load options, as results record them."""
        return {
            "model": self.name,
            "spec": self.spec,
            "family": self.family,
            "device": str(self.device),
            "dtype": str(self.dtype).removeprefix("torch."),
            "attn_implementation": self.attn_implementation,
            "image_size": list(self.image_size) if self.image_size else None,
            "parameters": self.num_parameters,
        }


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """`auto` is cuda when a GPU is visible, else cpu; asking for cuda without a GPU is an error."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ModelLoadError(f"unknown device {device!r}: use auto, cpu, cuda or cuda:N ({exc})") from None
    if resolved.type == "meta":
        raise ModelLoadError("device 'meta' holds no data and cannot generate; use auto, cpu or cuda")
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError(
            f"device {device!r} was asked for but CUDA is not available here "
            f"(torch {torch.__version__}, CUDA build {torch.version.cuda or 'none'}); "
            "use --device cpu or auto"
        )
    if resolved.type == "cuda" and resolved.index is not None and resolved.index >= torch.cuda.device_count():
        raise ModelLoadError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) visible")
    return resolved


def resolve_dtype(dtype: str | torch.dtype, device: torch.device) -> torch.dtype:
    """`auto` is bfloat16 on a GPU that has it (else float16), float32 on CPU."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if dtype not in DTYPES:
        raise ModelLoadError(f"unknown dtype {dtype!r}. Available: auto, {', '.join(DTYPES)}")
    return DTYPES[dtype]


def resolve_attn(attn_implementation: str | None) -> str | None:
    if attn_implementation is None:
        return None
    if attn_implementation not in ATTN_IMPLEMENTATIONS:
        raise ModelLoadError(
            f"unknown attention implementation {attn_implementation!r}. "
            f"Available: {', '.join(ATTN_IMPLEMENTATIONS)}"
        )
    resolved = ATTN_IMPLEMENTATIONS[attn_implementation]
    if resolved == "flash_attention_2":
        import importlib.util

        if importlib.util.find_spec("flash_attn") is None:
            raise ModelLoadError("attention 'flash' needs the flash-attn package, which is not installed")
    return resolved


def _image_size(value: int | tuple[int, int] | list[int] | None) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int):
        pair = (value, value)
    else:
        pair = (int(value[0]), int(value[1])) if len(value) == 2 else (0, 0)
    if min(pair) <= 0:
        raise ModelLoadError(f"image_size must be a positive side or (height, width), got {value!r}")
    return pair


def load_vlm(
    spec: str,
    device: str | torch.device = "auto",
    dtype: str | torch.dtype = "auto",
    attn_implementation: str | None = None,
    seed: int = 0,
    image_size: int | tuple[int, int] | None = None,
    trust_remote_code: bool = False,
) -> LoadedVLM:
    """Load a VLM by `dummy:<preset>` (random weights, no download), local folder or Hugging Face id.

    `device="meta"` builds the architecture without memory (to check a full-size preset anywhere).
    `image_size` (side or (height, width)) fixes the resolution and thus the number of image tokens.
    """
    torch_device = torch.device("meta") if str(device) == "meta" else resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device if torch_device.type != "meta" else torch.device("cpu"))
    attn = resolve_attn(attn_implementation)
    size = _image_size(image_size)
    torch.manual_seed(seed)

    if spec.startswith(DUMMY_PREFIX):
        return _load_dummy(spec, torch_device, torch_dtype, attn, size)
    path = Path(spec).expanduser()
    if path.exists():
        return _load_pretrained(spec, path, torch_device, torch_dtype, attn, size, trust_remote_code)
    if spec.startswith((".", "/", "~")):
        raise ModelLoadError(f"model folder {spec!r} does not exist")
    if re.fullmatch(r"[\w.-]+/[\w.-]+", spec):
        return _load_pretrained(spec, None, torch_device, torch_dtype, attn, size, trust_remote_code)
    raise ModelLoadError(
        f"model {spec!r} is neither dummy:<preset>, an existing folder, nor a Hugging Face id (org/name). "
        f"Presets: dummy:{', dummy:'.join(preset_names())}"
    )


def _load_dummy(
    spec: str, device: torch.device, dtype: torch.dtype, attn: str | None, size: tuple[int, int] | None
) -> LoadedVLM:
    from transformers import AutoModelForImageTextToText

    try:
        preset = get_preset(spec.removeprefix(DUMMY_PREFIX))
    except UnknownNameError as exc:
        raise ModelLoadError(str(exc)) from None
    config = preset.build_config()
    image_size = size or preset.image_size
    family = get_family(preset.family)
    if size is not None:
        family.set_preset_image_size(config, size)
    processor = family.build_processor(config, image_size)
    with torch.device(device):
        model = AutoModelForImageTextToText.from_config(config, dtype=dtype, attn_implementation=attn)
    model.eval()
    _prepare_generation_config(model, processor)
    return LoadedVLM(
        model=model,
        processor=processor,
        name=spec,
        spec=spec,
        family=preset.family,
        device=device,
        dtype=dtype,
        attn_implementation=str(model.config._attn_implementation),
        image_size=image_size,
        preset=preset,
    )


def _load_pretrained(
    spec: str,
    path: Path | None,
    device: torch.device,
    dtype: torch.dtype,
    attn: str | None,
    size: tuple[int, int] | None,
    trust_remote_code: bool,
) -> LoadedVLM:
    from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor

    if path is not None:
        if not path.is_dir():
            raise ModelLoadError(f"model path {spec!r} is not a folder (expected a save_pretrained output)")
        if not (path / "config.json").is_file():
            raise ModelLoadError(
                f"model folder {spec!r} has no config.json: point at a save_pretrained() output folder"
            )
    source = str(path) if path is not None else spec
    try:
        config = AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
        processor = AutoProcessor.from_pretrained(source, trust_remote_code=trust_remote_code)
    except OSError as exc:
        offline = os.environ.get("HF_HUB_OFFLINE") == "1"
        hint = " (HF_HUB_OFFLINE=1 is set: only cached models load)" if offline else ""
        raise ModelLoadError(f"cannot load model {spec!r}{hint}: {exc}") from None
    except ValueError as exc:
        if trust_remote_code or "trust_remote_code" not in str(exc):
            raise
        # transformers refuses a config.json whose auto_map names the model's own Python files
        raise ModelLoadError(
            f"model {spec!r} needs its own Python code (config.json auto_map) to load: if you trust it, "
            "pass --trust-remote-code (config: trust_remote_code: true)"
        ) from None
    family = family_for_model_type(config.model_type)
    if size is not None:
        if family is None:
            raise ModelLoadError(
                f"image_size needs a known model family; {config.model_type} is in none of "
                f"{', '.join(FAMILIES.names())}"
            )
        family.set_pretrained_image_size(config, processor, size)
    if device.type == "meta":
        with torch.device("meta"):
            model = AutoModelForImageTextToText.from_config(config, dtype=dtype, attn_implementation=attn)
    else:
        pretrained: Any = AutoModelForImageTextToText.from_pretrained(
            source, dtype=dtype, attn_implementation=attn, trust_remote_code=trust_remote_code
        )
        model = pretrained.to(device)
    model.eval()
    tokenizer = getattr(processor, "tokenizer", None)
    if tokenizer is not None:
        tokenizer.padding_side = "left"
    _prepare_generation_config(model, processor)
    return LoadedVLM(
        model=model,
        processor=processor,
        name=path.name if path is not None else spec,
        spec=spec,
        family=family.name if family is not None else str(config.model_type),
        device=device,
        dtype=dtype,
        attn_implementation=str(model.config._attn_implementation),
        image_size=size,
    )


def _prepare_generation_config(model: Any, processor: Any) -> None:
    """Greedy decoding and a pad token, so batched generate never warns or samples."""
    gen = model.generation_config
    tokenizer = getattr(processor, "tokenizer", None)
    if gen.pad_token_id is None and tokenizer is not None:
        gen.pad_token_id = (
            tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        )
    if gen.eos_token_id is None and tokenizer is not None:
        gen.eos_token_id = tokenizer.eos_token_id
    gen.do_sample = False
    for name in ("temperature", "top_p", "top_k"):
        if hasattr(gen, name):
            setattr(gen, name, None)
