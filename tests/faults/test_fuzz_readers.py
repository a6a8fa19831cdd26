"""Fuzzing every input reader with Hypothesis (issue 13): arbitrary bytes and arbitrary rows end in the
reader's documented error, never another exception. The CLI maps each of these errors to one `error:` line
and exit 2 (`data check`: exit 1), which the other catalogue modules check through the real CLI.

| reader                      | documented error |
| `data.load_dataset`         | `DatasetError` (`check_dataset` returns the problems and never raises) |
| `runs.answers.read_answers` | `AnswersError` |
| `data.prompts.load_prompts` | `PromptError`  |
| `eval.config.load_config`   | `ConfigError`  |
| `compare.load_result`       | `ResultError`  |
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vlmhyperbench.compare.results import load_result
from vlmhyperbench.data import DatasetError, check_dataset, load_dataset
from vlmhyperbench.data.annotation import COLUMNS
from vlmhyperbench.data.prompts import PromptError, load_prompts
from vlmhyperbench.errors import ResultError
from vlmhyperbench.eval.config import ConfigError, load_config
from vlmhyperbench.runs.answers import AnswersError, read_answers

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cells = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", " ", ";", '"', "\n", "images/a.png", "..", "/etc/passwd", "[1,2,3,4]", "abc", "\x00", "\r"]
)
rows = st.lists(st.lists(cells, min_size=0, max_size=10), max_size=6)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _in_file(name: str, data: bytes, read: Callable[[Path], Any], error: type[Exception]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        with contextlib.suppress(error):
            read(path)


def _annotation(header: list[str], body: list[list[str]]) -> bytes:
    return "\n".join(";".join(row) for row in [header, *body]).encode("utf-8")


def _read_dataset(path: Path) -> None:
    assert isinstance(check_dataset(path.parent), list)
    load_dataset(path.parent)


@FUZZ
@given(st.binary(max_size=400))
def test_annotation_bytes(data: bytes) -> None:
    _in_file("annotation.csv", data, _read_dataset, DatasetError)


@FUZZ
@given(rows)
def test_annotation_rows(body: list[list[str]]) -> None:
    _in_file("annotation.csv", _annotation(list(COLUMNS), body), _read_dataset, DatasetError)


@FUZZ
@given(st.binary(max_size=400) | rows.map(lambda r: _annotation(["id", "model_answer"], r)))
def test_answers_file(data: bytes) -> None:
    _in_file("answers.csv", data, lambda p: read_answers(p, repair=True), AnswersError)


yaml_texts = st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode())


@FUZZ
@given(yaml_texts)
def test_prompt_collection(data: bytes) -> None:
    _in_file("prompts.yaml", data, load_prompts, PromptError)


@FUZZ
@given(
    yaml_texts
    | st.dictionaries(st.sampled_from(["model", "batch_size", "filters", "dataset"]), json_values).map(
        lambda d: json.dumps(d).encode()
    )
)
def test_run_config(data: bytes) -> None:
    _in_file("run.yaml", data, load_config, ConfigError)


@FUZZ
@given(
    st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps({"benchmarks": v}).encode())
    | st.fixed_dictionaries(
        {"benchmarks": st.lists(json_values, max_size=3), "machine_info": json_values}
    ).map(lambda d: json.dumps(d).encode())
)
def test_result_json(data: bytes) -> None:
    _in_file("0001_run.json", data, load_result, ResultError)
