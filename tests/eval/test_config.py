from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from vlmhyperbench.eval.config import (
    ConfigError,
    RunConfig,
    default_config,
    default_config_note,
    load_config,
    parse_config,
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"batchsize": 2}, "unknown key 'batchsize'; did you mean 'batch_size'?"),
        ({"filters": {"doc_clas": ["inn"]}}, "unknown key 'filters.doc_clas'; did you mean 'doc_class'?"),
        ({"generation": {"max_new_token": 3}}, "unknown key 'generation.max_new_token'; did you mean"),
        ({"metrics": ["cre"]}, "metrics: Unknown metric 'cre'. Available: cer, wer, anls, bleu, exact_match"),
        ({"aggregators": ["by_page"]}, "aggregators: Unknown aggregator 'by_page'. Available: by_id,"),
        ({"batch_size": 0}, "batch_size: Input should be greater than or equal to 1"),
        ({"zzz": 1}, "unknown key 'zzz'; allowed: model, dataset"),
    ],
)
def test_bad_keys_and_values_are_named(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data, "run.yaml")
    assert str(info.value).startswith("run.yaml: ")
    assert expected in str(info.value)


def test_yaml_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "run.yaml"
    path.parent.mkdir()
    path.write_text(
        "model: dummy:tiny-llava\ndataset: ../data\nout: out\nprompts: /abs/p.yaml\n"
        "filters: {doc_class: [inn]}\ngeneration: {max_new_tokens: 8}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.dataset == path.parent / "../data"
    assert config.out == path.parent / "out"
    assert config.prompts == Path("/abs/p.yaml")
    assert config.filters.doc_class == ["inn"] and config.generation.max_new_tokens == 8


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_default_run_is_small() -> None:
    assert load_config(None) == default_config()
    assert RunConfig().model == "dummy:tiny-qwen2-vl"
    # a trained model when there is one: the Tesseract baseline, else the tiny dummy, and the note says so
    expected = "tesseract:rus" if shutil.which("tesseract") else "dummy:tiny-qwen2-vl"
    assert default_config().model == expected
    fallback = "tesseract is not installed" in default_config_note(default_config())
    assert fallback == (expected != "tesseract:rus")
    assert default_config().dataset is None  # the built-in synthetic set
    assert default_config().synth.degrade == "photo"
    with pytest.raises(ConfigError, match="Unknown degradation 'blur'"):
        parse_config({"synth": {"degrade": "blur"}})
