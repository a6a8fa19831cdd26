"""Model specs select engines; choosing one imports no torch (a served or OCR engine needs none)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vlmhyperbench.engines import ENGINES, Engine, create_engine, engine_name, register_engine
from vlmhyperbench.registry import UnknownNameError

CODE = """
import sys
from vlmhyperbench.engines import LoadOptions, create_engine
engine = create_engine("dummy:tiny-llava", LoadOptions(device="cpu"))
assert engine.name == "hf", engine.name
loaded = [m for m in sys.modules if m == "torch" or m.startswith("torch.")]
assert not loaded, loaded
print("torch-free")
"""


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("dummy:tiny-qwen2-vl", "hf"),
        ("hf:Qwen/Qwen2-VL-2B-Instruct", "hf"),
        ("Qwen/Qwen2-VL-2B-Instruct", "hf"),
        ("./models/my-finetune", "hf"),
        ("/abs/path", "hf"),
    ],
)
def test_specs_select_their_engine(spec: str, name: str) -> None:
    assert engine_name(spec) == name


def test_an_existing_folder_with_a_colon_is_a_folder(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "run:2").mkdir()
    monkeypatch.chdir(tmp_path)
    assert engine_name("run:2") == "hf"


def test_an_unknown_prefix_lists_the_engines() -> None:
    with pytest.raises(
        UnknownNameError, match=r"Unknown engine 'opneai' in model 'opneai:gpt'\. Available: hf:"
    ):
        create_engine("opneai:gpt")


def test_a_prefix_belongs_to_one_engine() -> None:
    class Clash(Engine):
        name = "clash"
        prefixes = ("dummy",)

    with pytest.raises(ValueError, match="prefix 'dummy' already selects engine 'hf'"):
        register_engine(Clash)  # type: ignore[type-abstract]
    assert "clash" not in ENGINES


def test_choosing_an_engine_imports_no_torch() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "torch-free" in done.stdout
