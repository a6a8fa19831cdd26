"""load_vlm: dummy presets, save_pretrained folders, options and clear errors. Tiny models, CPU, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from vlmhyperbench.models import LoadedVLM, ModelLoadError, load_vlm, preset_names

TINY = preset_names(tiny=True)


def _page(width: int = 200, height: int = 300) -> Image.Image:
    return Image.new("RGB", (width, height), "white")


@pytest.fixture(scope="module", params=TINY)
def tiny(request: pytest.FixtureRequest) -> LoadedVLM:
    return load_vlm(f"dummy:{request.param}", device="cpu")


def test_tiny_preset_generates_offline_at_fixed_length(tiny: LoadedVLM) -> None:
    inputs = tiny.build_inputs([_page(), _page(400, 120)], ["Read the page.", "What is the total amount?"])
    n_image = int((inputs["input_ids"] == tiny.image_token_id).sum())
    assert n_image == 2 * tiny.image_tokens > 0
    assert inputs["input_ids"].shape[0] == 2
    # left padding: the shorter prompt is padded at the start, so both end with the generation prompt
    assert inputs["attention_mask"][:, -1].all()
    out = tiny.model.generate(**inputs, max_new_tokens=6, min_new_tokens=6, do_sample=False)
    assert out.shape[1] - inputs["input_ids"].shape[1] == 6


def test_load_options_are_recorded(tiny: LoadedVLM) -> None:
    described = tiny.describe()
    assert described["device"] == "cpu"
    assert described["dtype"] == "float32"
    assert described["attn_implementation"] in {"sdpa", "eager"}
    assert tiny.vision_modules() is not None


def test_same_seed_same_weights() -> None:
    a = load_vlm("dummy:tiny-llava", device="cpu", seed=3)
    b = load_vlm("dummy:tiny-llava", device="cpu", seed=3)
    c = load_vlm("dummy:tiny-llava", device="cpu", seed=4)
    wa, wb, wc = (next(m.model.parameters()) for m in (a, b, c))
    assert torch.equal(wa, wb)
    assert not torch.equal(wa, wc)


def test_attention_and_dtype_options() -> None:
    loaded = load_vlm("dummy:tiny-qwen2-vl", device="cpu", dtype="bfloat16", attn_implementation="eager")
    assert loaded.attn_implementation == "eager"
    assert next(loaded.model.parameters()).dtype == torch.bfloat16
    inputs = loaded.build_inputs([_page()], ["hi"])
    assert inputs["pixel_values"].dtype == torch.bfloat16


def test_image_size_fixes_image_tokens() -> None:
    small = load_vlm("dummy:tiny-qwen2-vl", device="cpu", image_size=56)
    wide = load_vlm("dummy:tiny-qwen2-vl", device="cpu", image_size=(56, 112))
    assert small.image_tokens == 4
    assert wide.image_tokens == 8
    llava = load_vlm("dummy:tiny-llava", device="cpu", image_size=28)
    assert llava.image_tokens == 4


def test_saved_model_loads_by_folder(tmp_path: Path) -> None:
    original = load_vlm("dummy:tiny-qwen2-vl", device="cpu")
    original.model.save_pretrained(tmp_path)
    original.processor.save_pretrained(tmp_path)
    loaded = load_vlm(str(tmp_path), device="cpu")
    assert loaded.family == "qwen2_vl"
    assert loaded.preset is None
    for a, b in zip(original.model.parameters(), loaded.model.parameters(), strict=True):
        assert torch.equal(a, b)
    inputs = loaded.build_inputs([_page()], ["Read."])
    out = loaded.model.generate(**inputs, max_new_tokens=3, min_new_tokens=3, do_sample=False)
    assert out.shape[1] == inputs["input_ids"].shape[1] + 3


@pytest.mark.parametrize(
    ("spec", "kwargs", "message"),
    [
        ("dummy:qwen9", {}, r"Unknown preset 'qwen9'. Available: .*tiny-qwen2-vl"),
        ("not a model", {}, r"neither dummy:<preset>, an existing folder, nor a Hugging Face id"),
        ("./no/such/folder", {}, r"does not exist"),
        ("dummy:tiny-llava", {"dtype": "float8"}, r"unknown dtype 'float8'. Available: auto"),
        ("dummy:tiny-llava", {"attn_implementation": "fast"}, r"unknown attention implementation 'fast'"),
        ("dummy:tiny-llava", {"image_size": 0}, r"image_size must be a positive"),
        ("dummy:tiny-llava", {"image_size": (28, 56)}, r"take square images"),
        ("dummy:tiny-qwen2-vl", {"image_size": 30}, r"multiple of 28"),
    ],
)
def test_bad_input_is_a_clear_error(spec: str, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises((ModelLoadError, ValueError), match=message):
        load_vlm(spec, device="cpu", **kwargs)


def test_folder_without_config(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(ModelLoadError, match=r"has no config\.json"):
        load_vlm(str(tmp_path), device="cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_gpu() -> None:
    with pytest.raises(ModelLoadError, match="CUDA is not available"):
        load_vlm("dummy:tiny-llava", device="cuda")


def test_hub_id_offline_is_a_clear_error() -> None:
    with pytest.raises(ModelLoadError, match="cannot load model 'nobody/no-such-model'"):
        load_vlm("nobody/no-such-model", device="cpu")
