"""The offline byte-level tokenizer puts special tokens at their real ids and round-trips any text."""

from __future__ import annotations

import pytest

from vlmhyperbench.models.families.idefics3 import IDEFICS3_TOKENS
from vlmhyperbench.models.families.llava import LLAVA_TOKENS
from vlmhyperbench.models.families.qwen2_vl import QWEN_TOKENS
from vlmhyperbench.models.tokenizer import build_byte_tokenizer


@pytest.mark.parametrize(
    ("tokens", "vocab_size"), [(QWEN_TOKENS, 151936), (LLAVA_TOKENS, 32064), (IDEFICS3_TOKENS, 49280)]
)
def test_special_tokens_at_real_ids(tokens: dict[str, int], vocab_size: int) -> None:
    tok = build_byte_tokenizer(tokens, vocab_size=vocab_size)
    for text, token_id in tokens.items():
        assert tok.convert_tokens_to_ids(text) == token_id
        assert tok(text, add_special_tokens=False)["input_ids"] == [token_id]
    assert max(tok.get_vocab().values()) < vocab_size


def test_text_round_trips_byte_by_byte() -> None:
    tok = build_byte_tokenizer(QWEN_TOKENS, vocab_size=151936)
    text = "Total: 12,50 € — naïve"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert len(ids) == len(text.encode())
    assert tok.decode(ids) == text


def test_special_id_beyond_vocabulary_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        build_byte_tokenizer({"<image>": 500}, vocab_size=400)
