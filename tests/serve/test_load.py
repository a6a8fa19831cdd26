"""Load shapes, dataset requests and the saturation sweep against the real `transformers serve` on
127.0.0.1 (the session's `served` fixture; slow). Spread and ramps are checked from the recorded send
times, never from wall-clock limits."""

from __future__ import annotations

import asyncio
import json
import statistics
from itertools import pairwise
from pathlib import Path

import pytest

from tests.faults.conftest import run_cli
from tests.serve.servers import Served
from vlmhyperbench.data import load_dataset, synthesize
from vlmhyperbench.perf.bench import document_pages
from vlmhyperbench.serve.bench import ServingCase, run_case, serving_figures
from vlmhyperbench.serve.client import ServedClient, image_data_url
from vlmhyperbench.serve.requests import ServedRequest
from vlmhyperbench.serve.shapes import LoadShape, coefficient_of_variation

N = 12


def send(served: Served, shape: LoadShape, seed: int = 0) -> ServingCase:
    """N two-token requests on `shape`, never held back by the cap (concurrency N)."""
    url = image_data_url(document_pages(1, size=(64, 64))[0])
    requests = [ServedRequest(f"q{i}", url, "Hi") for i in range(N)]
    client = ServedClient(served.base_url, served.model, fixed_length_dialect="generation_config")
    return asyncio.run(
        run_case(client, requests, concurrency=N, shape=shape, max_tokens=2, warmup=0, seed=seed)
    )


def test_burstiness_changes_the_spread_of_the_recorded_sends(served: Served) -> None:
    bursty, steady = send(served, LoadShape(8.0, 0.5)), send(served, LoadShape(8.0, 4.0))
    for case in (bursty, steady):
        assert all(r.ok for r in case.records)
        assert all(s >= p for s, p in zip(case.sent_s, case.planned_s, strict=True))  # never early
    cv_bursty, cv_steady = coefficient_of_variation(bursty.sent_s), coefficient_of_variation(steady.sent_s)
    assert cv_bursty is not None and cv_steady is not None
    assert cv_bursty > 1.5 * cv_steady, (cv_bursty, cv_steady)
    figures = serving_figures(bursty)
    assert figures["send_gap_cv"] == pytest.approx(cv_bursty)
    assert figures["requests"]["sent_s"] == bursty.sent_s and figures["load_shape"] == "r8-b0.5"


def test_a_ramp_up_is_followed_by_the_recorded_sends(served: Served) -> None:
    case = send(served, LoadShape(ramp="linear", ramp_start=2.0, ramp_end=20.0, burstiness=20.0))
    gaps = [b - a for a, b in pairwise(case.sent_s)]
    early, late = statistics.fmean(gaps[:4]), statistics.fmean(gaps[-4:])
    assert early > 2 * late, gaps  # the rate rose ~10x over the run
    assert all(s >= p for s, p in zip(case.sent_s, case.planned_s, strict=True))
    assert serving_figures(case)["shape"]["ramp"] == "linear"


def test_a_dataset_driven_run_sends_each_question_and_records_its_tokens(
    served: Served, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    synthesize(data, n=2, seed=1)
    questions = {s.id: s.question for s in load_dataset(data).samples}
    results, md = tmp_path / "results", tmp_path / "bench.md"
    done = run_cli(
        "bench", "--model", f"openai:{served.model}", "--base-url", served.base_url, "--dataset", data,
        "--concurrency", "1,2", "--num-prompts", str(len(questions) + 1), "--new-tokens", "2", "--seed", "3",
        "--slo", "ttft=600000,tpot=600000", "--results", results, "--markdown", md,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    [stored] = results.glob("*/*/0001_bench_*.json")
    entries = json.loads(stored.read_text())["benchmarks"]
    assert len(entries) == 2
    for entry in entries:
        columns = entry["extra_info"]["serving"]["requests"]
        assert set(columns["id"]) == set(questions)  # every question sent, one cycled again
        assert len(columns["id"]) == len(questions) + 1 and columns["id"][0] == columns["id"][-1]
        assert all(isinstance(n, int) and n > 0 for n in columns["input_tokens"])  # from the server's usage
        assert entry["extra_info"]["serving"]["energy"]["reason"].startswith(
            "the server was not started here"
        )
        assert entry["extra_info"]["serving"]["joules_per_output_token"] is None  # absent, not 0
    lengths = {i: n for i, n in zip(columns["id"], columns["input_tokens"], strict=True)}
    assert len(set(lengths.values())) > 1  # each question's own prompt: different token counts
    assert (tmp_path / "bench-serving.png").stat().st_size > 0 and "bench-serving.png" in md.read_text()


def test_a_saturation_sweep_ends_within_its_probes_and_names_a_rate(served: Served, tmp_path: Path) -> None:
    results, out = tmp_path / "results", tmp_path / "compare"
    done = run_cli(
        "bench", "--model", f"openai:{served.model}", "--base-url", served.base_url, "--sweep", "saturation",
        "--slo", "ttft=600000,tpot=600000", "--probes", "2", "--concurrency", "4", "--num-prompts", "4",
        "--new-tokens", "2", "--warmup", "0", "--results", results,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "highest rate meeting the SLO (>= 90% of requests): " in done.stdout
    assert "req/s (interval" in done.stdout and "knee (goodput" in done.stdout
    [stored] = results.glob("*/*/0001_bench_*.json")
    entries = json.loads(stored.read_text())["benchmarks"]
    roles = [e["extra_info"]["serving"]["saturation"]["role"] for e in entries]
    assert roles[:2] == ["synchronous", "throughput"] and 3 <= len(roles) <= 2 + 2
    compared = run_cli("compare", "runs", stored, stored, "--figure", "ttft", "--out", out)
    assert compared.returncode == 0, compared.stdout + compared.stderr  # every probe is a normal case
    assert (out / "compare-serving.png").stat().st_size > 0
    assert "## Serving sweeps" in (out / "compare.md").read_text()
