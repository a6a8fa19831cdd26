"""Recipe "Adding a model family": one module plus its preset JSON, and the hf engine generates with it.

The toy family re-registers the LLaVA architecture under a new name, from a module and a preset kept in a
temporary folder (in the package they would sit in `models/families/` and `models/presets/`). Its one
difference: it feeds the processor grey pages, as a document-only family might.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import vlmhyperbench.models.families as families_package
from vlmhyperbench.engines import Generation, LoadOptions, Query, create_engine
from vlmhyperbench.models import FAMILIES, PRESETS, add_preset_file, get_preset

FAMILY_MODULE = '''
"""Toy family: the LLaVA code path, fed grey pages."""

from vlmhyperbench.models.families import register_family
from vlmhyperbench.models.families.llava import Llava

CALLS = []


@register_family
class GreyLlava(Llava):
    name = "grey_llava"
    model_types = ()  # no trained checkpoint declares it: it is reached through its preset

    def processor_images(self, images, image_size):
        CALLS.append(len(images))
        return [image.convert("L").convert("RGB") for image in images]
'''


@pytest.fixture
def toy_family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    (tmp_path / "grey_llava_family.py").write_text(FAMILY_MODULE, encoding="utf-8")
    preset = _preset_json("tiny-llava")
    preset["family"] = "grey_llava"
    preset["description"] = "tiny LLaVA fed grey pages (recipe test)"
    (tmp_path / "tiny-grey-llava.json").write_text(json.dumps(preset), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("grey_llava_family")
    add_preset_file(tmp_path / "tiny-grey-llava.json")
    yield module
    PRESETS.remove("tiny-grey-llava")
    FAMILIES.remove("grey_llava")
    monkeypatch.delitem(sys.modules, "grey_llava_family")


def _preset_json(name: str) -> dict[str, object]:
    preset = get_preset(name)
    return {"family": preset.family, "image_size": list(preset.image_size), "config": preset.config}


def test_a_new_family_generates_through_the_hf_engine(toy_family: object) -> None:
    page = Image.new("RGB", (120, 90), (200, 30, 30))
    options = LoadOptions(device="cpu", seed=0)
    with create_engine("dummy:tiny-grey-llava", options) as engine:
        assert engine.describe()["family"] == "grey_llava"
        answers = engine.answer([Query(page, "Read the page."), Query(page, "Total?")], Generation(3))
        measured = engine.measure([Query(page, "Read.")], Generation(3, fixed_length=True))
    assert len(answers) == 2 and all(isinstance(a, str) for a in answers)
    assert measured.output_tokens == [3] and measured.image_tokens == 16  # (56 / 14) ** 2, as tiny-llava
    assert toy_family.CALLS == [2, 1]  # type: ignore[attr-defined]


def test_every_family_module_in_the_package_registers_itself() -> None:
    modules = {m.name for m in pkgutil.iter_modules(families_package.__path__)} - {"base"}
    assert modules <= set(FAMILIES.names()) and modules == {"qwen2_vl", "llava", "idefics3"}


def test_a_preset_of_an_unknown_family_names_the_known_ones(tmp_path: Path) -> None:
    bad = tmp_path / "tiny-nothing.json"
    bad.write_text(json.dumps({**_preset_json("tiny-llava"), "family": "nothing"}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"family 'nothing' is not one of .*llava"):
        add_preset_file(bad)
    assert "tiny-nothing" not in PRESETS
