"""A byte-level tokenizer built in code, with each family's special and image tokens at their real ids.

Dummy models need a tokenizer without any download. Every text is encoded byte by byte (no merges), so
prompt lengths are deterministic and any text round-trips. The ids the model cares about (image
placeholder, chat markers, EOS, padding) sit exactly where the public tokenizer puts them, so the model
config (`image_token_id`, `eos_token_id`, ...) works unchanged. Ids in between are unreachable fillers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
from tokenizers.pre_tokenizers import ByteLevel
from transformers import PreTrainedTokenizerFast


def _byte_alphabet() -> list[str]:
    return sorted(ByteLevel.alphabet())


def build_byte_tokenizer(
    special_tokens: Mapping[str, int],
    *,
    vocab_size: int,
    bos_token: str | None = None,
    eos_token: str | None = None,
    pad_token: str | None = None,
    unk_token: str | None = None,
    extra_attributes: Mapping[str, str] | None = None,
) -> PreTrainedTokenizerFast:
    """Tokenizer whose `special_tokens` map to exactly the given ids, bytes to the lowest free ids.

    `vocab_size` is the model's embedding size; the tokenizer never emits an id at or above it.
    """
    top = max(special_tokens.values(), default=-1)
    if top >= vocab_size:
        raise ValueError(f"special token id {top} does not fit a vocabulary of {vocab_size}")
    taken = set(special_tokens.values())
    vocab: dict[str, int] = dict(special_tokens)
    free = (i for i in range(vocab_size) if i not in taken)
    for char in _byte_alphabet():
        vocab[char] = next(free)
    size = max(top + 1, max(vocab.values()) + 1)
    used = set(vocab.values())
    for i in range(size):
        if i not in used:
            vocab[f"<|filler_{i}|>"] = i

    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=unk_token))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in special_tokens])

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos_token,
        eos_token=eos_token,
        pad_token=pad_token,
        unk_token=unk_token,
        padding_side="left",  # batched generation pads on the left
    )
    for name, value in (extra_attributes or {}).items():
        setattr(fast, name, value)
    return fast


def text_vocab_size(config: Any) -> int:
    """The language model's vocabulary size (composite VLM configs nest it in `text_config`)."""
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    return int(text.vocab_size)
