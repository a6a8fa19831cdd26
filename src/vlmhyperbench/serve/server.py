"""What a served model is: reachability, the model it offers, its identity, and how it fixes answer length.

`check_server` is what `openai:` engines do in `load()`: one GET of `/v1/models`. A server that does not
answer, or does not offer the model asked for, is one `ModelLoadError` line naming the URL and what
`/v1/models` lists. `server_identity` is what results record about the server (its model list, vLLM's
`/version`, the `server` response header; secrets masked, each string cut to `redact.IDENTITY_CHARS`, and
`/version` read no further than `VERSION_BYTES`); `probe_fixed_length` finds which request fields make this
server decode exactly `max_tokens` tokens (see `client.FIXED_LENGTH_DIALECTS`).
"""

from __future__ import annotations

import json
import time
from typing import Any

from vlmhyperbench.errors import ModelLoadError
from vlmhyperbench.serve.client import FIXED_LENGTH_DIALECTS, api_key, fixed_length_body, normalize_base_url
from vlmhyperbench.serve.redact import bounded, redact, redact_data

CHECK_TIMEOUT_S = 10.0
VERSION_BYTES = 16_384  # a /version answer longer than this is not a version: it is left out


def _get(url: str, timeout_s: float = CHECK_TIMEOUT_S) -> Any:
    import httpx2 as httpx

    return httpx.get(url, headers={"Authorization": f"Bearer {api_key()}"}, timeout=timeout_s)


def list_models(base_url: str) -> tuple[list[str], dict[str, str]]:
    """The model ids `/v1/models` offers and the response headers; ModelLoadError if it does not answer."""
    import httpx2 as httpx

    url = f"{normalize_base_url(base_url)}/models"
    try:
        response = _get(url)
    except httpx.HTTPError as exc:
        raise ModelLoadError(redact(f"server {url} does not answer ({type(exc).__name__}: {exc})")) from None
    if response.status_code != 200:
        raise ModelLoadError(
            redact(f"server {url} answered HTTP {response.status_code}: {response.text[:200]}")
        )
    try:
        ids = [str(entry["id"]) for entry in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        raise ModelLoadError(redact(f"server {url} answered something that is not a model list")) from None
    return ids, dict(response.headers)


def check_server(base_url: str, model: str) -> list[str]:
    """The offered model ids, after checking that `model` is one of them."""
    ids, _ = list_models(base_url)
    if model not in ids:
        url = f"{normalize_base_url(base_url)}/models"
        offered = ", ".join(ids) if ids else "no models"
        raise ModelLoadError(
            redact(f"server {url} does not serve model {model!r}; it offers: {bounded(offered)}")
        )
    return ids


def server_identity(base_url: str) -> dict[str, Any]:
    """What results record about the server: its models, headers that name it, and `/version` if any."""
    base = normalize_base_url(base_url)
    ids, headers = list_models(base)
    identity: dict[str, Any] = {"base_url": base, "models": ids}
    named = {k: v for k, v in headers.items() if k.lower() in {"server", "x-powered-by", "via"}}
    if named:
        identity["headers"] = named
    version = _version(base.removesuffix("/v1"))
    if version is not None:
        identity["version"] = version
    return dict(redact_data(bounded(identity)))


def _version(root: str) -> Any:
    """vLLM's and SGLang's `/version` (others 404), or None: absent, odd, or over `VERSION_BYTES`."""
    import json

    import httpx2 as httpx

    try:
        headers = {"Authorization": f"Bearer {api_key()}"}
        with httpx.stream("GET", f"{root}/version", headers=headers, timeout=3.0) as response:
            if response.status_code != 200:
                return None
            body = b""
            for piece in response.iter_bytes():
                body += piece
                if len(body) > VERSION_BYTES:
                    return None
        return json.loads(body)
    except Exception:  # absent or odd /version: the identity just has none
        return None


PROBE_ANSWER_BYTES = 65536  # a 2-token answer is a few hundred bytes


def probe_fixed_length(base_url: str, model: str, timeout_s: float = 120.0) -> str | None:
    """The first dialect of `FIXED_LENGTH_DIALECTS` this server accepts (a 2-token request each), or None."""
    import httpx2 as httpx

    url = f"{normalize_base_url(base_url)}/chat/completions"
    for dialect in FIXED_LENGTH_DIALECTS:
        body = {
            "model": model,
            "messages": [{"role": "user", "content": "Hi"}],
            "max_tokens": 2,
            "temperature": 0.0,
            **fixed_length_body(dialect, 2),
        }
        # timeout_s bounds the whole answer, not each read: a server that keeps the connection alive
        # (SSE comments, a byte at a time) would otherwise hold the probe for as long as it likes
        deadline = time.monotonic() + timeout_s
        try:
            with httpx.stream(
                "POST", url, json=body, headers={"Authorization": f"Bearer {api_key()}"}, timeout=timeout_s
            ) as response:
                received = bytearray()
                for chunk in response.iter_bytes():
                    received += chunk
                    if time.monotonic() > deadline or len(received) > PROBE_ANSWER_BYTES:
                        return None
                status = response.status_code
        except httpx.HTTPError:
            return None
        if status == 200:
            try:
                answer = json.loads(bytes(received))
            except ValueError:  # not JSON: this server cannot tell us how long its answers are
                return None
            usage = (answer.get("usage") if isinstance(answer, dict) else None) or {}
            if isinstance(usage, dict) and usage.get("completion_tokens") in (None, 2):
                return dialect
    return None
