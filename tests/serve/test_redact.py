"""serve/redact.py: which secrets are masked, and how what a server says about itself is bounded."""

from __future__ import annotations

import pytest

from vlmhyperbench.serve.redact import bounded, redact, redact_data


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("VLMHYPERBENCH_API_KEY", "sk-test-abcdef")
    return "sk-test-abcdef"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("you sent sk-test-abcdef", "you sent ***"),
        ("http://alice:s3cret@host:8000/v1", "http://alice:***@host:8000/v1"),
        ("vllm serve m --api-key k-123 --port 8", "vllm serve m --api-key *** --port 8"),
        ("serve --hf-token=hf_xyz m --token t", "serve --hf-token=*** m --token ***"),
        ("serve --password 'a b' m", "serve --password *** m"),
        ("Authorization: Bearer other-token", "Authorization: Bearer ***"),
        ("echo Basic YWxpY2U6cHc=", "echo Basic ***"),
        ("serve --max-tokens 5 --ssl-keyfile k.pem", "serve --max-tokens 5 --ssl-keyfile k.pem"),
    ],
)  # fmt: skip
def test_redact_masks_every_kind_of_secret_and_nothing_else(text: str, masked: str) -> None:
    assert redact(text) == masked


def test_the_placeholder_key_of_local_servers_is_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLMHYPERBENCH_API_KEY", "EMPTY")
    assert redact("EMPTY answers") == "EMPTY answers"


def test_redact_data_masks_keys_and_values_at_any_depth() -> None:
    data = {"headers": {"server": "x sk-test-abcdef"}, "sk-test-abcdef": [1, "Bearer t0k"]}
    assert redact_data(data) == {"headers": {"server": "x ***"}, "***": [1, "Bearer ***"]}


def test_bounded_cuts_long_strings_and_long_lists() -> None:
    cut = bounded({"v": "x" * 1000, "l": list(range(100))}, max_chars=10, max_items=3)
    assert cut == {"v": "x" * 10 + "...[cut]", "l": [0, 1, 2]}
