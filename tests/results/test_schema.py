"""The result schemas: stored files parse into typed records and are written back unchanged in meaning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.results.summaries import run_section
from vlmhyperbench.env.info import collect_environment
from vlmhyperbench.results import (
    SCHEMA_VERSION,
    Environment,
    RunSummary,
    SpeedCase,
    SpeedRecord,
    load_record,
)

GOLDEN = Path(__file__).parents[1] / "compare" / "data" / "results"
OLD_RUN = GOLDEN / "3.12-cu124-dev" / "Linux-CPython-3.12-64bit" / "0001_unversioned_20261125_171005.json"


def test_a_record_written_before_the_schema_reads_with_typed_environment_facts() -> None:
    raw = json.loads(OLD_RUN.read_text())
    assert raw["machine_info"]["vlmhyperbench"]["cuda_available"] == "False"  # how it was stored then
    record = load_record(OLD_RUN)
    assert record.machine_info.schema_version == 0
    assert record.environment.cuda_available is False and record.environment.cpu_count == 2
    assert record.cell == "3.12-cu124-dev"
    entry = record.benchmarks[0]
    assert entry.extra_info.config is not None and entry.extra_info.config.preset == "tiny-qwen2-vl"
    assert len(entry.extra_info.rounds["decode_tokens_per_s"]) == 10 and entry.stats.rounds == 3


def test_a_record_keeps_the_keys_it_does_not_model_and_round_trips() -> None:
    record = load_record(OLD_RUN)
    data = record.to_json()
    # pytest-benchmark's own keys survive, so its CLI still reads what we write
    assert data["machine_info"]["cpu"] == json.loads(OLD_RUN.read_text())["machine_info"]["cpu"]
    assert data["benchmarks"][0]["stats"]["ops"] > 0
    assert "vlmhyperbench_failed" not in data  # only written when some case failed
    assert SpeedRecord.model_validate(json.loads(json.dumps(data))) == record


def test_the_environment_keeps_its_types_in_json() -> None:
    facts = collect_environment()
    assert isinstance(facts["cuda_available"], bool) and isinstance(facts["cpu_count"], int)
    written = json.loads(Environment.model_validate(facts).model_dump_json())
    assert written["cuda_available"] is facts["cuda_available"]
    assert written["cpu_count"] == facts["cpu_count"]
    assert written["python"] == facts["python"]


def test_a_record_missing_a_required_field_is_refused() -> None:
    data = load_record(OLD_RUN).to_json()
    del data["benchmarks"][0]["stats"]
    with pytest.raises(ValidationError, match=r"benchmarks\.0\.stats"):
        SpeedRecord.model_validate(data)


def test_one_identity_for_a_generation_benchmark() -> None:
    case = SpeedCase("tiny-llava", "sdpa", 4)
    assert case.param == "tiny-llava-sdpa-b4"
    assert case.name == "test_generate[tiny-llava-sdpa-b4]"
    assert case.fullname == "benchmarks/test_generate_speed.py::test_generate[tiny-llava-sdpa-b4]"
    assert case.group == "tiny-llava b4"
    assert json.loads(json.dumps(case.params)) == {"preset": "tiny-llava", "attn": "sdpa", "batch": 4}


SUMMARY = {
    "run": run_section(questions=2, inference_wall_s=3.0, out="results/run-1"),
    "config": {"model": "dummy:tiny-qwen2-vl", "batch_size": 2},
    "model": {"model": "dummy:tiny-qwen2-vl", "device": "cpu"},
    "dataset": {"path": "data/set", "questions": 2, "images": 1, "doc_class": {"passport": 2}},
    "metrics": {"anls": {"higher_is_better": True, "description": "ANLS"}},
    "general": {"count": 2, "anls": 0.5},
    "by_doc_type": [{"doc_class": "passport", "count": 2, "anls": 0.5}],
    "by_doc_question": [],
    "speed": {"summary": {"latency_s": 0.5, "rounds": 1, "fixed_length": False}, "batches": []},
    "environment": {"python": "3.12.0", "cuda_available": "True", "cpu_count": "8"},
    "prompts": {"source": "builtin", "system": None},
}


def test_a_run_summary_parses_with_its_version_and_types() -> None:
    summary = RunSummary.model_validate(SUMMARY)
    assert summary.schema_version == SCHEMA_VERSION
    assert summary.environment.cuda_available is True and summary.environment.cpu_count == 8
    assert summary.metrics["anls"].higher_is_better is True
    assert summary.speed is not None and summary.speed.summary["rounds"] == 1
    assert summary.general["count"] == 2


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [("run", {"out": "x"}, r"run\.started"), ("dataset", {"path": 1}, r"dataset\.path")],
)
def test_a_bad_run_summary_names_the_field(field: str, value: object, where: str) -> None:
    with pytest.raises(ValidationError, match=where):
        RunSummary.model_validate({**SUMMARY, field: value})
