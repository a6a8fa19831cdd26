"""The `openai:` engine against a real `transformers serve` on 127.0.0.1 (tests/serve/servers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.serve.servers import SERVED_PRESET, Served, free_port
from vlmhyperbench.engines import Generation, LoadOptions, Query, create_engine, engine_name
from vlmhyperbench.engines.openai import OpenAIEngine
from vlmhyperbench.errors import ModelLoadError, UsageError
from vlmhyperbench.perf.bench import document_pages
from vlmhyperbench.serve import ServerOptions
from vlmhyperbench.serve.client import image_data_url

SECRET = "sk-test-0123456789-never-written"


def engine_for(served: Served, concurrency: int = 1) -> OpenAIEngine:
    options = ServerOptions(base_url=served.base_url, concurrency=concurrency)
    engine = create_engine(f"openai:{served.model}", LoadOptions(server=options))
    assert isinstance(engine, OpenAIEngine)
    return engine


def queries(n: int = 2) -> list[Query]:
    return [Query(page, f"What is field {i}?") for i, page in enumerate(document_pages(n, size=(200, 260)))]


def test_spec_selects_the_engine() -> None:
    assert engine_name("openai:Qwen/Qwen2-VL-2B-Instruct") == "openai"


def test_no_base_url_names_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(UsageError, match="--base-url"):
        create_engine("openai:m").load()


def test_a_server_that_is_down_is_one_line_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    engine = create_engine("openai:m", LoadOptions(server=ServerOptions(base_url=url)))
    with pytest.raises(ModelLoadError) as caught:
        engine.load()
    message = str(caught.value)
    assert f"{url}/models" in message and "does not answer" in message and "\n" not in message


def test_a_wrong_model_lists_what_the_server_offers(served: Served) -> None:
    engine = create_engine(
        "openai:no-such-model", LoadOptions(server=ServerOptions(base_url=served.base_url))
    )
    with pytest.raises(ModelLoadError, match="does not serve model 'no-such-model'; it offers: ") as caught:
        engine.load()
    assert served.model in str(caught.value)


def test_served_answers_equal_the_in_process_ones(served: Served) -> None:
    """Greedy decoding of the same weights (saved with the same seed) gives the same text and tokens."""
    asked = queries(2)
    generation = Generation(max_new_tokens=10)
    with create_engine(SERVED_PRESET, LoadOptions(device="cpu", dtype="float32")) as local:
        expected = local.measure(asked, generation)
    with engine_for(served) as remote:
        got = remote.measure(asked, generation)
    assert got.texts == expected.texts
    assert got.input_tokens == expected.input_tokens
    assert got.output_tokens == expected.output_tokens


def test_token_counts_are_the_servers_usage(served: Served) -> None:
    """The streamed request's counts equal what the same request answers without streaming."""
    query = queries(1)[0]
    with engine_for(served) as engine:
        measured = engine.measure([query], Generation(max_new_tokens=6))
    body = {
        "model": served.model,
        "max_tokens": 6,
        "temperature": 0.0,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": image_data_url(query.image)}},
                    {"type": "text", "text": query.prompt},
                ],
            }
        ],
    }
    usage = httpx.post(f"{served.base_url}/chat/completions", json=body, timeout=120).json()["usage"]
    assert measured.input_tokens == [usage["prompt_tokens"]]
    assert measured.output_tokens == [usage["completion_tokens"]]


def test_fixed_length_is_found_and_holds(served: Served) -> None:
    with engine_for(served) as engine:
        measured = engine.measure(queries(2), Generation(max_new_tokens=7, fixed_length=True))
        via = engine.describe()["fixed_length_via"]
    assert via == "generation_config"  # transformers serve refuses vLLM's min_tokens/ignore_eos with 422
    assert measured.output_tokens == [7, 7]


def test_answer_each_hands_every_answer_over_once(served: Served) -> None:
    asked = queries(4)
    seen: list[int] = []
    engine = engine_for(served, concurrency=4)
    with engine:
        records = engine.answer_each(asked, Generation(max_new_tokens=4), lambda i, text: seen.append(i))
    assert sorted(seen) == [0, 1, 2, 3]
    assert all(r.ok for r in records)


def test_the_api_key_is_never_recorded(
    served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The key is sent, but neither describe() nor the launch command as recorded holds it."""
    monkeypatch.setenv("VLMHYPERBENCH_API_KEY", SECRET)
    engine = engine_for(served)
    with engine:
        engine.measure(queries(1), Generation(max_new_tokens=2))
        engine.server = ServerOptions(base_url=served.base_url, launch=f"vllm serve m --api-key {SECRET}")
        described = json.dumps(engine.describe())
    assert SECRET not in described
    assert "--api-key ***" in described
    assert json.loads(described)["api_key_from"] == "VLMHYPERBENCH_API_KEY"
