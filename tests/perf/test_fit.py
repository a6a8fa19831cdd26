"""perf/fit.py: the memory floor of a batch, from a real tiny model's config."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("torch")

from vlmhyperbench.engines import LoadOptions, create_engine
from vlmhyperbench.engines.hf import HFEngine
from vlmhyperbench.perf.fit import PAGE_BYTES, batch_does_not_fit, host_memory_bytes


@pytest.fixture(scope="module")
def engine() -> Iterator[HFEngine]:
    with create_engine("dummy:tiny-smolvlm", LoadOptions(device="cpu")) as loaded:
        assert isinstance(loaded, HFEngine)
        yield loaded


def test_the_kv_cache_per_token_follows_the_text_config(engine: HFEngine) -> None:
    text = engine.loaded.model.config.get_text_config()
    kv_heads = getattr(text, "num_key_value_heads", None) or text.num_attention_heads
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
    expected = 2 * text.num_hidden_layers * kv_heads * head_dim * engine.loaded.dtype.itemsize
    assert engine.kv_cache_bytes_per_token() == expected > 0


def test_a_batch_is_refused_only_beyond_this_machines_memory(engine: HFEngine) -> None:
    ram = host_memory_bytes()
    assert ram is not None and ram > PAGE_BYTES
    assert batch_does_not_fit(engine, 8, 4) is None
    too_many = ram // PAGE_BYTES + 1  # its pages alone exceed the RAM
    reason = batch_does_not_fit(engine, too_many, 4)
    assert reason is not None and reason.startswith(f"batch {too_many} does not fit: it needs at least")
    assert "KV cache" in reason  # on CPU the cache is host memory too
