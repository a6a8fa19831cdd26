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
    sorting = load_config(None, "sorting")  # tesseract reads answer boxes: a task's demo is the tiny VLM
    assert (sorting.task, sorting.model, sorting.synth.n) == ("sorting", "dummy:tiny-qwen2-vl", 4)
    assert "4 synthetic sorting items" in default_config_note(sorting)
    with pytest.raises(ConfigError, match="Unknown degradation 'blur'"):
        parse_config({"synth": {"degrade": "blur"}})


def test_overrides_replace_only_the_given_settings() -> None:
    from vlmhyperbench.eval.config import RunOverrides

    config = parse_config(
        {
            "batch_size": 8,
            "device": "cuda",
            "filters": {"doc_class": ["inn"], "split": ["test"]},
            "server": {"concurrency": 4},
        }
    )
    changed = RunOverrides(
        doc_class=("snils", "passport"), limit=3, dtype="float32", scoring="upstream", base_url="http://h/v1"
    ).apply(config)
    assert changed.filters.doc_class == ["snils", "passport"] and changed.filters.split == ["test"]
    assert (changed.limit, changed.dtype, changed.scoring) == (3, "float32", "upstream")
    assert changed.batch_size == 8 and changed.device == "cuda"  # not given: the config's values
    assert changed.server.base_url == "http://h/v1" and changed.server.concurrency == 4
    assert RunOverrides().apply(config) == config


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"batch_size": 0}, "command line: batch_size: Input should be greater than or equal to 1"),
        (
            {"scoring": "legacy"},
            "command line: scoring: Unknown scoring profile 'legacy'. Available: default,",
        ),
    ],
)
def test_bad_overrides_are_named(overrides: dict[str, Any], expected: str) -> None:
    from vlmhyperbench.eval.config import RunOverrides

    with pytest.raises(ConfigError, match=expected):
        RunOverrides(**overrides).apply(RunConfig())


def test_scoring_key_in_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(
        "scoring: upstream\nallow_absolute_paths: true\ntrust_remote_code: true\n", encoding="utf-8"
    )
    config = load_config(path)
    assert (config.scoring, config.allow_absolute_paths, config.trust_remote_code) == ("upstream", True, True)
    path.write_text("scoring: Upstream\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"run.yaml: scoring: Unknown scoring profile 'Upstream'"):
        load_config(path)


def test_names_given_repeated_or_as_a_comma_list() -> None:
    from vlmhyperbench.eval.config import split_names

    assert split_names(["passport, snils", "inn", ""]) == ("passport", "snils", "inn")
    assert split_names(None) == ()


def test_columns_and_hf_datasets_in_a_config(tmp_path: Path) -> None:
    """`columns:` is validated like any key, and an `hf:NAME` dataset is not read as a relative path."""
    path = tmp_path / "run.yaml"
    path.write_text(
        "task: docvqa\ndataset: hf:lmms-lab/DocVQA:DocVQA@validation\ncolumns: {id: qid, groups: [kind]}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert str(config.dataset) == "hf:lmms-lab/DocVQA:DocVQA@validation"
    assert config.columns is not None and (config.columns.id, config.columns.groups) == ("qid", ("kind",))
    path.write_text("task: docvqa\ncolumns: {imag: page}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'columns\.imag'; did you mean 'image'"):
        load_config(path)
