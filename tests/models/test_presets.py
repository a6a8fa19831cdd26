"""Shipped presets: every one builds its real architecture (full-size ones on the meta device)."""

from __future__ import annotations

import pytest

from vlmhyperbench.models import PRESETS, get_preset, load_vlm, preset_names
from vlmhyperbench.registry import UnknownNameError

# Parameter counts of the public checkpoints these presets copy (from their model cards / safetensors).
PUBLIC_PARAMETERS = {
    "qwen2-vl-2b": 2.21e9,
    "qwen2.5-vl-3b": 3.75e9,
    "llava-1.5-7b": 7.06e9,
    "smolvlm-256m": 0.256e9,
}
# image tokens per image at the preset's default resolution
IMAGE_TOKENS = {"qwen2-vl-2b": 768, "qwen2.5-vl-3b": 768, "llava-1.5-7b": 576, "smolvlm-256m": 64}


def test_required_presets_ship() -> None:
    names = set(preset_names())
    assert set(PUBLIC_PARAMETERS) <= names
    assert {"tiny-qwen2-vl", "tiny-qwen2.5-vl", "tiny-llava", "tiny-smolvlm"} <= names
    assert set(preset_names(tiny=True)) == {n for n in names if n.startswith("tiny-")}


def test_every_full_preset_has_a_tiny_twin_of_the_same_code_path() -> None:
    for name in preset_names(tiny=False):
        full = get_preset(name)
        twins = [p for p in PRESETS if p.tiny and p.config["model_type"] == full.config["model_type"]]
        assert twins, f"{name} has no tiny-* preset of model_type {full.config['model_type']}"


def test_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown preset 'qwen9'. Available: .*tiny-llava"):
        get_preset("qwen9")


@pytest.mark.parametrize("name", sorted(PUBLIC_PARAMETERS))
def test_full_size_preset_builds_on_meta_with_public_shape(name: str) -> None:
    loaded = load_vlm(f"dummy:{name}", device="meta", dtype="bfloat16")
    assert loaded.num_parameters == pytest.approx(PUBLIC_PARAMETERS[name], rel=0.01)
    assert loaded.image_tokens == IMAGE_TOKENS[name]
    assert loaded.model.device.type == "meta"


@pytest.mark.slow
def test_smallest_full_size_preset_generates_on_cpu_at_fixed_length() -> None:
    """smolvlm-256m is small enough for a CPU: the real-size code path end to end (~20 s here)."""
    from PIL import Image

    loaded = load_vlm("dummy:smolvlm-256m", device="cpu")
    inputs = loaded.build_inputs([Image.new("RGB", (850, 1100), "white")], ["Read the page."])
    assert int((inputs["input_ids"] == loaded.image_token_id).sum()) == 64
    out = loaded.model.generate(**inputs, max_new_tokens=3, min_new_tokens=3, do_sample=False)
    assert out.shape[1] == inputs["input_ids"].shape[1] + 3
