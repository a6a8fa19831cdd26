"""The output contracts: the committed JSON Schemas are the ones the models generate, they validate the
files our runs write (and the stored results of older versions), and every flat table reads with
`pandas.read_csv` and no options."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from tests.data.tables import docvqa
from tests.tasks.scripted import ScriptedEngine
from vlmhyperbench.engines import ENGINES
from vlmhyperbench.eval.config import RunConfig, SynthSettings
from vlmhyperbench.evaluate import run_evaluation
from vlmhyperbench.results import load_record
from vlmhyperbench.results.contracts import SCHEMA_FILES, json_schema, render
from vlmhyperbench.results.flat import FLAT_TABLES

REPO = Path(__file__).resolve().parents[2]
STORED = REPO / "tests" / "compare" / "data" / "results"


@pytest.mark.parametrize("name", list(SCHEMA_FILES))
def test_the_committed_schemas_are_the_generated_ones(name: str) -> None:
    committed = (REPO / "docs" / "schemas" / SCHEMA_FILES[name]).read_text(encoding="utf-8")
    assert committed == render(name), "regenerate: vlmhyperbench schema NAME > docs/schemas/NAME.schema.json"
    printed = subprocess.run(
        [sys.executable, "-m", "vlmhyperbench.cli", "schema", name],
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout == committed
    jsonschema.Draft202012Validator.check_schema(json_schema(name))


def test_the_speed_schema_validates_stored_and_rewritten_records(tmp_path: Path) -> None:
    validator = jsonschema.Draft202012Validator(json_schema("speed"))
    files = sorted(STORED.rglob("*.json"))
    assert files
    for path in files:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw["machine_info"].get("schema_version", 0) >= 1:  # version 0 had the environment as strings
            validator.validate(raw)  # written before the schema name existed: still valid
        record = load_record(path).to_json()  # what our reader makes of any version
        assert record["vlmhyperbench_schema"] == "vlmhyperbench/speed-record"
        validator.validate(record)
    broken = load_record(files[0]).to_json()
    del broken["benchmarks"]
    with pytest.raises(jsonschema.ValidationError, match="'benchmarks' is a required property"):
        validator.validate(broken)


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[list[Path]]:
    """A DocVQA run on a table whose ids have leading zeros, and a classification run on its synthetic set."""
    with ENGINES.added(ScriptedEngine.name, ScriptedEngine):
        yield _runs(ScriptedEngine, tmp_path)


def _runs(scripted: type[ScriptedEngine], tmp_path: Path) -> list[Path]:
    dataset = tmp_path / "docvqa.parquet"
    docvqa([("007", "Which?", ["0042"]), ("010", "Total, in $?", ["1,200"])]).to_parquet(str(dataset))
    scripted.script = ["0042", "1,200, I think"] + ["0"] * 10
    outs = [tmp_path / "docvqa", tmp_path / "cls"]
    run_evaluation(
        RunConfig(task="docvqa", model="scripted:x", dataset=dataset, out=outs[0]), show_progress=False
    )
    config = RunConfig(task="classification", model="scripted:x", out=outs[1], synth=SynthSettings(n=4))
    run_evaluation(config, show_progress=False)
    return outs


def test_run_summaries_name_their_schema_and_validate(runs: list[Path]) -> None:
    validator = jsonschema.Draft202012Validator(json_schema("run"))
    for out in runs:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert (summary["schema_name"], summary["schema_version"]) == ("vlmhyperbench/run-summary", 1)
        validator.validate(summary)


def test_every_flat_table_reads_with_pandas_defaults(runs: list[Path]) -> None:
    for out in runs:
        tables = [out / f"{name}.csv" for name in FLAT_TABLES if (out / f"{name}.csv").exists()]
        assert {p.name for p in tables} >= {"general.csv", "by_doc_type.csv", "by_id.csv"}
        for path in tables:
            frame = pd.read_csv(path)
            assert len(frame) >= 1 and not frame.columns.str.startswith("Unnamed").any(), path
    general = pd.read_csv(runs[0] / "general.csv")
    summary = json.loads((runs[0] / "summary.json").read_text(encoding="utf-8"))
    assert general.loc[0, "anls"] == pytest.approx(summary["general"]["anls"])
    by_id = pd.read_csv(runs[0] / "by_id.csv", dtype={"id": str, "answer": str, "model_answer": str})
    assert list(by_id["id"]) == ["007", "010"] and by_id.loc[1, "model_answer"] == "1,200, I think"
    assert json.loads(by_id.loc[0, "answer"]) == ["0042"]
