"""The command line end to end: `models save`, then `bench --model openai:... --launch "transformers serve"`
into a results folder that `compare` reads; and the options a served model refuses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.serve.servers import free_port
from tests.untraced import UNTRACED_PREFIX
from vlmhyperbench.cli import app


@pytest.mark.slow  # starts a transformers serve
def test_save_then_bench_a_launched_server_then_compare(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "tiny"
    saved = runner.invoke(app, ["models", "save", "dummy:tiny-llava", str(folder)])
    assert saved.exit_code == 0, saved.output
    port = free_port()
    script = Path(sys.executable).parent / "transformers"
    serve = f"{UNTRACED_PREFIX} {script} serve {folder} --host 127.0.0.1 --port {port}"
    results = tmp_path / "results"
    bench = runner.invoke(
        app,
        ["bench", "--model", f"openai:{folder}", "--base-url", f"http://127.0.0.1:{port}", "--launch", serve,
         "--concurrency", "1,2", "--request-rate", "inf", "--num-prompts", "3", "--new-tokens", "4",
         "--slo", "ttft=60000,tpot=60000", "--results", str(results), "--markdown", str(tmp_path / "t.md")],
    )  # fmt: skip
    assert bench.exit_code == 0, bench.output
    [result] = results.glob("*/*/0001_bench_*.json")
    data = json.loads(result.read_text())
    names = [b["name"] for b in data["benchmarks"]]
    assert names == ["test_generate[tiny-served-rinf-b1]", "test_generate[tiny-served-rinf-b2]"]
    for entry in data["benchmarks"]:
        serving = entry["extra_info"]["serving"]
        assert serving["completed"] == 3 and serving["failed"] == 0 and serving["good_requests"] == 3
        assert entry["extra_info"]["metrics"]["output_tokens"] == 4  # per request, from usage
        assert entry["extra_info"]["load"]["server"]["models"] == [str(folder)]
    [log] = results.glob("*/server-logs/*.log")
    assert "Uvicorn running" in log.read_text()  # the launched server's log is kept with the results
    assert "goodput" in (tmp_path / "t.md").read_text()
    compared = runner.invoke(app, ["compare", "runs", str(result), str(result), "--figure", "ttft"])
    assert compared.exit_code == 0, compared.output
    assert "tiny-served-rinf-b2" in compared.output


def test_a_served_model_takes_concurrency_not_batch() -> None:
    result = CliRunner().invoke(
        app, ["bench", "--model", "openai:m", "--base-url", "http://x", "--batch", "8"]
    )
    assert result.exit_code == 2
    assert "--concurrency, not --batch" in result.output


def test_bad_serving_options_are_usage_errors() -> None:
    for option, value, message in (
        ("--concurrency", "0", "--concurrency must be at least 1"),
        ("--request-rate", "fast", "--request-rate 'fast'"),
        ("--slo", "e2e=5", "--slo 'e2e=5'"),
        ("--burstiness", "0", "--burstiness must be a positive number"),
        ("--ramp-up", "cubic", "--ramp-up 'cubic': use one of linear, exponential"),
        ("--ramp-up-end", "4", "need --ramp-up linear|exponential"),
        ("--sweep", "bisect", "--sweep 'bisect'"),
        ("--sweep", "saturation", "--sweep saturation needs --slo"),
        ("--dataset", "/nonexistent/data", "--dataset '/nonexistent/data': not a dataset folder"),
    ):
        result = CliRunner().invoke(
            app, ["bench", "--model", "openai:m", "--base-url", "http://x", option, value]
        )
        assert result.exit_code == 2 and message in result.output, result.output


def test_load_shape_options_are_refused_for_an_in_process_model() -> None:
    result = CliRunner().invoke(app, ["bench", "--model", "dummy:tiny-llava", "--burstiness", "0.5"])
    assert result.exit_code == 2 and "--sweep are for openai: models" in result.output, result.output
