"""Comma-separated counts: one parser behind --batch and --concurrency."""

from __future__ import annotations

import pytest

from vlmhyperbench.counts import parse_counts
from vlmhyperbench.errors import UsageError
from vlmhyperbench.perf.bench import parse_batches
from vlmhyperbench.serve.schedule import parse_concurrency


def test_counts_keep_their_order_and_skip_empty_parts() -> None:
    assert parse_counts(" 8, 1,,32 ,", "batch size", "--batch") == [8, 1, 32]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,x", "batch size 'x' is not a whole number (use e.g. --batch 1,8,32)"),
        ("1.5", "batch size '1.5' is not a whole number"),
        ("4,0", "batch size must be at least 1, got 0"),
        ("-2", "batch size must be at least 1, got -2"),
        (" , ", "no batch size given (use e.g. --batch 1,8,32)"),
    ],
)
def test_a_bad_part_is_one_usage_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_counts(text, "batch size", "--batch")
    assert message in str(raised.value)


def test_both_options_use_it() -> None:
    assert parse_batches("1,8") == parse_concurrency("1,8") == [1, 8]
    with pytest.raises(UsageError, match="--concurrency 'x' is not a whole number"):
        parse_concurrency("x")
