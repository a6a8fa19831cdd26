"""Secrets never leave the process: an API key, a URL's password, a key in a server command, an auth header.

Everything a served run or bench writes or prints about the server passes through `redact` (a string) or
`redact_data` (a JSON-ready value): answers, request errors, the server's identity (`/v1/models` headers,
`/version`), the recorded `--base-url` and `--launch`, the launched server's log. What is masked, by `***`:
- the key in `VLMHYPERBENCH_API_KEY` / `OPENAI_API_KEY`, wherever it appears (a server may echo the
  `Authorization` header back in an error body, a response header or an answer);
- the password of a `user:password@` URL;
- the value after a secret-named option (`--api-key K`, `--token=K`, `--hf-token K`, `--password K`, ...);
- the credentials of an `Authorization: Bearer/Basic ...` value.
`bounded` cuts what a server chose to say about itself (a 20 MB `/version`) to a size fit for a result file.
"""

from __future__ import annotations

import os
import re
from typing import Any

MASK = "***"
KEY_VARIABLES = ("VLMHYPERBENCH_API_KEY", "OPENAI_API_KEY")
MIN_SECRET_CHARS = 4  # shorter values ("EMPTY" aside) would mask ordinary words
IDENTITY_CHARS = 512  # the most one string the server says about itself may take in a result

_URL_PASSWORD = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/\s:@]*):(?P<password>[^/\s@]+)@"
)
_SECRET_OPTION = re.compile(
    r"(?P<option>--?(?:[A-Za-z0-9_-]*[-_])?(?:key|token|secret|password|passwd)(?![A-Za-z0-9_-]))(?P<sep>[=\s]+)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"']+)",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(
    r"(?P<scheme>\b(?:Bearer|Basic|Token)\s+)(?P<value>[A-Za-z0-9._~+/=-]+)", re.IGNORECASE
)


def environment_keys() -> list[str]:
    """The API keys set in the environment (values, longest first), placeholders and short values left out."""
    found = {os.environ.get(name, "").strip() for name in KEY_VARIABLES}
    return sorted((k for k in found if len(k) >= MIN_SECRET_CHARS and k != "EMPTY"), key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every secret the module docstring lists replaced by ***."""
    for key in environment_keys():
        text = text.replace(key, MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _SECRET_OPTION.sub(lambda m: f"{m['option']}{m['sep']}{MASK}", text)
    return _AUTH_SCHEME.sub(lambda m: f"{m['scheme']}{MASK}", text)


def redact_data(value: Any) -> Any:
    """`value` (dicts, lists, strings, numbers) with `redact` applied to every string, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value


def bounded(value: Any, max_chars: int = IDENTITY_CHARS, max_items: int = 32) -> Any:
    """`value` with each string cut to `max_chars` (marked `...[cut]`), each list or dict to `max_items`."""
    if isinstance(value, str):
        return value if len(value) <= max_chars else value[:max_chars] + "...[cut]"
    if isinstance(value, dict):
        items = list(value.items())[:max_items]
        return {bounded(str(k), max_chars): bounded(v, max_chars, max_items) for k, v in items}
    if isinstance(value, (list, tuple)):
        return [bounded(v, max_chars, max_items) for v in list(value)[:max_items]]
    return value


def scrub_file(path: os.PathLike[str] | str) -> None:
    """Rewrite a log we created with its secrets masked (a server may print its own command line or key)."""
    from pathlib import Path

    from vlmhyperbench.atomic import write_text_atomic

    file = Path(path)
    if file.is_symlink() or not file.is_file():
        return
    text = file.read_text(encoding="utf-8", errors="replace")
    clean = redact(text)
    if clean != text:
        write_text_atomic(file, clean)
