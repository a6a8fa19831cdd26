"""Retries, timeouts and fault handling of one streamed request, through a fault-injecting proxy in front of
the real `transformers serve` (tests/serve/servers.py)."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.serve.servers import FaultProxy, Served, run_asgi
from vlmhyperbench.errors import UsageError
from vlmhyperbench.perf.bench import document_pages
from vlmhyperbench.serve.client import (
    RequestRecord,
    RetryPolicy,
    ServedClient,
    api_key,
    fixed_length_body,
    image_data_url,
    normalize_base_url,
)

FAST_RETRY = RetryPolicy(retries=2, base_s=0.01, cap_s=0.05)


def one_request(client: ServedClient, max_tokens: int = 4) -> RequestRecord:
    url = image_data_url(document_pages(1, size=(120, 160))[0])

    async def go() -> RequestRecord:
        async with client.open() as api:
            return await client.stream_request(api, url, "Total?", max_tokens)

    return asyncio.run(go())


@pytest.fixture
def proxy(served: Served):  # type: ignore[no-untyped-def]
    fault = FaultProxy(served.base_url, served.model)
    with run_asgi(fault) as url:
        yield fault, url


def test_base_url_forms() -> None:
    assert normalize_base_url("http://h:8000") == "http://h:8000/v1"
    assert normalize_base_url("http://h:8000/v1/") == "http://h:8000/v1"
    with pytest.raises(UsageError, match="http://"):
        normalize_base_url("h:8000")


def test_key_comes_from_our_variable_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VLMHYPERBENCH_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert api_key() == "EMPTY"
    monkeypatch.setenv("OPENAI_API_KEY", "a")
    monkeypatch.setenv("VLMHYPERBENCH_API_KEY", "b")
    assert api_key() == "b"


def test_backoff_grows_is_capped_and_follows_retry_after() -> None:
    policy = RetryPolicy(retries=5, base_s=1.0, cap_s=4.0)
    rng = random.Random(0)
    delays = [policy.delay_s(n, rng) for n in range(5)]
    assert all(0.5 * min(2**n, 4) <= d <= min(2**n, 4) for n, d in enumerate(delays))
    assert policy.delay_s(0, rng, retry_after="2") == 2.0
    assert policy.delay_s(0, rng, retry_after="100") == 4.0


def test_fixed_length_dialects() -> None:
    assert fixed_length_body("min_tokens", 5) == {"min_tokens": 5, "ignore_eos": True}
    assert '"min_new_tokens": 5' in fixed_length_body("generation_config", 5)["generation_config"]
    assert fixed_length_body(None, 5) == {}


def test_a_clean_request_has_consistent_figures(served: Served) -> None:
    record = one_request(ServedClient(served.base_url, served.model), max_tokens=6)
    assert record.ok and record.retries == 0 and record.token_source == "usage"
    assert record.ttft_s is not None and record.latency_s is not None
    assert 0 < record.ttft_s <= record.latency_s
    assert record.chunk_times_s == sorted(record.chunk_times_s)
    assert record.completion_tokens == 6


@pytest.mark.parametrize("fault", ["429", "500", "drop"])
def test_a_fault_is_retried_and_counted(proxy, fault: str) -> None:  # type: ignore[no-untyped-def]
    faults, url = proxy
    faults.faults = [fault]
    record = one_request(ServedClient(url, faults.upstream_model, retry=FAST_RETRY))
    assert record.ok, record.error
    assert record.retries == 1
    assert record.retry_reasons == [
        {"429": "HTTP 429", "500": "HTTP 500", "drop": "connection dropped"}[fault]
    ]
    assert faults.chat_requests == 2


def test_retries_run_out_with_a_clear_error(proxy) -> None:  # type: ignore[no-untyped-def]
    faults, url = proxy
    faults.faults = ["500", "500", "500"]
    record = one_request(ServedClient(url, faults.upstream_model, retry=FAST_RETRY))
    assert not record.ok
    assert record.error == "HTTP 500 (after 2 retries)"
    assert faults.chat_requests == 3


def test_a_client_error_is_not_retried(served: Served) -> None:
    record = one_request(ServedClient(served.base_url, "no-such-model", retry=FAST_RETRY))
    assert not record.ok and record.retries == 0
    assert record.error is not None and record.error.startswith("HTTP 400")


def test_a_slow_first_token_shows_in_ttft(proxy) -> None:  # type: ignore[no-untyped-def]
    faults, url = proxy
    faults.faults = [("slow", 1.5)]
    record = one_request(ServedClient(url, faults.upstream_model))
    assert record.ok and record.ttft_s is not None and record.ttft_s >= 1.5


def test_a_first_token_slower_than_the_timeout_fails_without_retry(proxy) -> None:  # type: ignore[no-untyped-def]
    faults, url = proxy
    faults.faults = [("slow", 3.0)]
    record = one_request(ServedClient(url, faults.upstream_model, timeout_s=1.0, retry=FAST_RETRY))
    assert not record.ok and record.retries == 0
    assert record.error == "timed out after 1 s"
