"""save_model: a preset written as a plain model folder that loads back with the same weights."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from vlmhyperbench.engines import Generation, LoadOptions, Query, create_engine
from vlmhyperbench.errors import UsageError
from vlmhyperbench.models.saving import save_model
from vlmhyperbench.perf.bench import document_pages


def test_a_saved_preset_loads_back_as_a_folder_with_the_same_answers(tmp_path: Path) -> None:
    folder = save_model("dummy:tiny-llava", tmp_path / "tiny", seed=3)
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "generation_config.json"} <= names
    assert any(n.startswith(("preprocessor_config", "processor_config")) for n in names)
    queries = [Query(document_pages(1, size=(120, 160))[0], "Total?")]
    options = LoadOptions(device="cpu", dtype="float32", seed=3)
    with create_engine("dummy:tiny-llava", options) as preset, create_engine(str(folder), options) as saved:
        assert saved.answer(queries, Generation(8)) == preset.answer(queries, Generation(8))


def test_an_existing_folder_with_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not an empty folder"):
        save_model("dummy:tiny-llava", tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
