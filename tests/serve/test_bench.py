"""The serving benchmark against the real `transformers serve`: consistent figures, measured overlap, a
reproducible schedule, goodput; and `overlap`/`serving_figures` on hand-made records."""

from __future__ import annotations

import asyncio
import math

import pytest

from tests.serve.servers import Served
from vlmhyperbench.figures import SERVING_FIGURES
from vlmhyperbench.perf.bench import document_pages
from vlmhyperbench.serve.bench import ServingCase, overlap, run_case, serving_figures
from vlmhyperbench.serve.client import RequestRecord, ServedClient, image_data_url
from vlmhyperbench.serve.requests import ServedRequest
from vlmhyperbench.serve.schedule import SloTargets, arrival_offsets
from vlmhyperbench.serve.shapes import LoadShape

TOKENS = 5


@pytest.fixture(scope="module")
def urls() -> list[str]:
    return [image_data_url(page) for page in document_pages(2, size=(200, 260))]


def measure(
    served: Served, urls: list[str], num_prompts: int = 8, rate: float = math.inf, **settings: object
) -> ServingCase:
    client = ServedClient(served.base_url, served.model, fixed_length_dialect="generation_config")
    settings = {"max_tokens": TOKENS, "warmup": 1, "shape": LoadShape(rate), **settings}
    requests = [
        ServedRequest(f"page-{i % len(urls)}", urls[i % len(urls)], "Total?") for i in range(num_prompts)
    ]
    return asyncio.run(run_case(client, requests, **settings))  # type: ignore[arg-type]


def test_figures_are_consistent_with_the_stream_and_usage(served: Served, urls: list[str]) -> None:
    case = measure(served, urls, concurrency=1)
    figures = serving_figures(case, SloTargets(ttft_s=3600.0, tpot_s=3600.0))
    assert figures["completed"] == 8 and figures["failed"] == 0 and figures["retries"] == 0
    assert figures["token_source"] == "usage"
    for record in case.records:
        assert record.ttft_s is not None and record.latency_s is not None
        assert 0 < record.ttft_s <= record.latency_s
        assert record.completion_tokens == TOKENS  # fixed length held: the server's usage says so
    assert figures["lengths_vary"] is False and figures["output_tokens_min"] == TOKENS
    assert figures["ttft_s"] <= figures["e2e_s"] and figures["ttft_s_median"] <= figures["e2e_s_median"]
    assert figures["ttft_s_p99"] <= figures["e2e_s_p99"] + 1e-9
    assert figures["output_tokens_per_s"] == pytest.approx(8 * TOKENS / case.duration_s)
    prompt = sum(r.prompt_tokens or 0 for r in case.records)
    assert figures["total_tokens_per_s"] == pytest.approx((prompt + 8 * TOKENS) / case.duration_s)
    assert figures["request_throughput"] == pytest.approx(8 / case.duration_s)
    assert figures["goodput"] == figures["request_throughput"]  # a generous SLO: every request is good
    assert figures["max_concurrent"] == 1  # concurrency 1 never overlaps


def test_concurrency_8_really_overlaps(served: Served, urls: list[str]) -> None:
    case = measure(served, urls, concurrency=8)
    figures = serving_figures(case)
    assert figures["completed"] == 8
    assert figures["max_concurrent"] == 8  # measured from the requests' start and end times
    assert figures["mean_concurrent"] > 1
    assert "goodput" not in figures  # no SLO given


def test_a_seeded_rate_schedule_is_followed(served: Served, urls: list[str]) -> None:
    case = measure(served, urls, concurrency=8, rate=20.0, seed=3, num_prompts=4)
    planned = arrival_offsets(4, 20.0, seed=3)
    sent = sorted(r.started_s - case.start_s for r in case.records)
    assert all(s >= p for s, p in zip(sent, planned, strict=True))  # never before its arrival time
    assert serving_figures(case)["request_rate"] == "20"


def record(start: float, ttft: float, end: float, tokens: int) -> RequestRecord:
    return RequestRecord(
        started_s=start,
        ttft_s=ttft,
        latency_s=end - start,
        chunk_times_s=[ttft, end - start],
        prompt_tokens=10,
        completion_tokens=tokens,
        token_source="usage",
    )


def test_overlap_counts_requests_in_flight() -> None:
    assert overlap([record(0, 0.1, 1, 2), record(1, 0.1, 2, 2)]) == (1, 1.0)  # touching is not overlapping
    peak, mean = overlap([record(0, 0.1, 2, 2), record(1, 0.1, 3, 2), record(1.5, 0.1, 2.5, 2)])
    assert peak == 3 and mean == pytest.approx((2 + 2 + 1) / 3)  # busy seconds over the 3 s span


def test_goodput_counts_only_requests_within_the_slo() -> None:
    case = ServingCase(concurrency=2, shape=LoadShape(), max_tokens=3, fixed_length=False, seed=0)
    case.records = [record(0, 0.1, 1.0, 3), record(0, 0.9, 1.0, 3), record(0, 0.1, 2.0, 5)]
    case.records.append(RequestRecord(started_s=0, error="HTTP 500 (after 3 retries)"))
    case.duration_s = 2.0
    figures = serving_figures(case, SloTargets(ttft_s=0.5, tpot_s=0.5))
    assert figures["completed"] == 3 and figures["failed"] == 1
    assert figures["errors"] == ["HTTP 500 (after 3 retries)"]
    assert figures["good_requests"] == 2  # the second misses TTFT; the third's TPOT is (2-0.1)/4 < 0.5
    assert figures["goodput"] == 1.0
    assert figures["lengths_vary"] is True
    declared = [key for figure in SERVING_FIGURES for key in figure.summary_keys()]
    assert set(declared) <= set(figures)  # every declared serving figure is measured
    assert figures["tpot_s"] == pytest.approx(((1 - 0.1) / 2 + (1 - 0.9) / 2 + (2 - 0.1) / 4) / 3)
