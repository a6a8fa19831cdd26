"""One streamed chat completion against an OpenAI-compatible server, timed chunk by chunk, with retries.

`ServedClient` holds what every request shares (base URL, model name, key, timeout, retry policy, the
server's way of fixing the answer length); `stream_request` sends one (image, prompt) and returns a
`RequestRecord`: when each content chunk arrived, the answer, the server's token counts and how many
retries it took. Times are `time.perf_counter()` seconds from the request's first attempt, so a retried
request's TTFT includes the failed attempts and the backoff (what a user of the server waits).

The API key comes from `VLMHYPERBENCH_API_KEY` or `OPENAI_API_KEY` and lives only in the client object:
it is never part of a record, a description, a log line or an error message (`serve.redact` masks it, also
where the server echoes it back in an answer or an error).

A request succeeds only when its stream ends with a `finish_reason`: a 200 with an empty, non-JSON or `{}`
body, a malformed chunk, a stream cut before its end, one longer than `MAX_ANSWER_CHARS`, or one that
runs past the request timeout (first byte to last chunk, whatever the server trickles) is a failed request
with its cause in `record.error`, never an empty answer.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, cast

from vlmhyperbench.errors import EnvironmentProblem, UsageError
from vlmhyperbench.serve.redact import KEY_VARIABLES, redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI

MAX_ANSWER_CHARS = 1_000_000  # a longer answer is a failed request (a runaway server), not unbounded memory
NO_KEY = "EMPTY"  # what local servers (vLLM, transformers serve) accept when started without a key
# How servers are asked for exactly max_tokens tokens, tried in this order by `probe_fixed_length`:
# vLLM and SGLang accept `min_tokens` + `ignore_eos`; `transformers serve` rejects unknown fields (422)
# but takes a whole GenerationConfig as JSON in `generation_config`.
FIXED_LENGTH_DIALECTS = ("min_tokens", "generation_config")


def api_key() -> str:
    """The key from the environment (VLMHYPERBENCH_API_KEY first), or the placeholder local servers take."""
    for name in KEY_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return NO_KEY


def image_data_url(image: Any) -> str:
    """A PIL image as a base64 PNG data URL (lossless: the server sees the pixels an in-process run sees)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def chat_messages(image_url: str, prompt: str) -> list[dict[str, Any]]:
    """One user turn, image first then text: the order our in-process chat template uses."""
    return [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": image_url}},
                {"type": "text", "text": prompt},
            ],
        }
    ]


def fixed_length_body(dialect: str | None, max_tokens: int) -> dict[str, Any]:
    """The extra request fields that make a server decode exactly `max_tokens` tokens in `dialect`."""
    if dialect is None:
        return {}
    if dialect == "min_tokens":
        return {"min_tokens": max_tokens, "ignore_eos": True}
    if dialect == "generation_config":
        config = {"max_new_tokens": max_tokens, "min_new_tokens": max_tokens, "do_sample": False}
        return {"generation_config": json.dumps(config)}
    raise UsageError(f"unknown fixed-length dialect {dialect!r}; known: {', '.join(FIXED_LENGTH_DIALECTS)}")


@dataclass(frozen=True)
class RetryPolicy:
    """Retries on 429, 5xx and dropped connections: exponential backoff from `base_s`, capped, jittered.

    A 429 with a `Retry-After` header waits what the server asks (up to `cap_s`). A request that timed out
    is not retried: it already waited the whole timeout.
    """

    retries: int = 3
    base_s: float = 0.5
    cap_s: float = 8.0

    def __post_init__(self) -> None:
        if self.retries < 0 or self.base_s < 0 or self.cap_s < self.base_s:
            raise UsageError(f"retry policy needs retries >= 0 and 0 <= base <= cap, got {self}")

    def delay_s(self, attempt: int, rng: random.Random, retry_after: str | None = None) -> float:
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), self.cap_s)
            except ValueError:
                pass
        backoff: float = min(self.base_s * 2.0**attempt, self.cap_s)
        return backoff * (0.5 + rng.random() / 2)


@dataclass
class RequestRecord:
    """One request as the client saw it. Times in seconds from the first attempt's start.

    `ttft_s` is the first chunk that carries answer text (a role-only first chunk is not a token).
    `chunk_times_s` holds every content chunk; servers may put several tokens in one chunk, so
    inter-token latencies are per chunk, as in `vllm bench serve`. Token counts come from the final
    chunk's `usage` (`token_source="usage"`); a server that sends none leaves `prompt_tokens` None and
    counts content chunks as output tokens (`token_source="chunks"`).
    """

    started_s: float  # perf_counter at the first attempt, for schedules and overlap
    text: str = ""
    ttft_s: float | None = None
    latency_s: float | None = None
    chunk_times_s: list[float] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    token_source: str | None = None
    finish_reason: str | None = None
    retries: int = 0
    retry_reasons: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.latency_s is not None

    @property
    def ended_s(self) -> float:
        return self.started_s + (self.latency_s or 0.0)

    @property
    def tpot_s(self) -> float | None:
        """(end - TTFT) / (output tokens - 1), vLLM's definition; None for one-token answers."""
        if self.ttft_s is None or self.latency_s is None or not self.completion_tokens:
            return None
        if self.completion_tokens < 2:
            return None
        return (self.latency_s - self.ttft_s) / (self.completion_tokens - 1)

    @property
    def itl_s(self) -> list[float]:
        times = self.chunk_times_s
        return [b - a for a, b in pairwise(times)]


class ServerError(EnvironmentProblem):
    """The server could not answer a request after its retries; the message names the URL and the cause."""


@dataclass
class ServedClient:
    """What every request to one served model shares. Create the async client inside the event loop."""

    base_url: str
    model: str
    timeout_s: float = 600.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    fixed_length_dialect: str | None = None
    seed: int = 0
    extra_body: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base_url = normalize_base_url(self.base_url)
        if self.timeout_s <= 0:
            raise UsageError(f"request timeout must be positive, got {self.timeout_s}")
        self._rng = random.Random(self.seed)

    def open(self, max_connections: int = 64) -> AsyncOpenAI:
        """An `AsyncOpenAI` with our timeout, no retries of its own (ours are counted), a pool this size."""
        try:
            import httpx2 as httpx
            from openai import AsyncOpenAI
        except ImportError as exc:
            raise EnvironmentProblem(
                f"served models need the openai package ({exc.name} is missing): "
                "install vlmhyperbench[serve] or `uv sync --extra serve`"
            ) from None
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        return AsyncOpenAI(
            base_url=self.base_url,
            api_key=api_key(),
            timeout=httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0)),
            max_retries=0,
            http_client=httpx.AsyncClient(limits=limits, timeout=self.timeout_s),
        )

    def body(self, max_tokens: int, fixed_length: bool) -> dict[str, Any]:
        extra = dict(self.extra_body)
        if fixed_length:
            extra.update(fixed_length_body(self.fixed_length_dialect, max_tokens))
        return extra

    async def stream_request(
        self,
        client: AsyncOpenAI,
        image_url: str,
        prompt: str,
        max_tokens: int,
        fixed_length: bool = False,
    ) -> RequestRecord:
        """Send one streamed request, retrying per `self.retry`; failures end up in `record.error`."""
        import openai

        record = RequestRecord(started_s=time.perf_counter())
        messages = chat_messages(image_url, prompt)
        for attempt in range(self.retry.retries + 1):
            retry_after = None
            try:
                await asyncio.wait_for(
                    self._attempt(client, record, messages, max_tokens, fixed_length), self.timeout_s
                )
                return record
            except (openai.APITimeoutError, _StreamTimeout, asyncio.TimeoutError):
                return _failed(record, f"timed out after {self.timeout_s:g} s")
            except openai.APIStatusError as exc:
                status = exc.status_code
                reason = f"HTTP {status}"
                if status != 429 and status < 500:
                    return _failed(record, f"{reason}: {_detail(exc)}")
                retry_after = exc.response.headers.get("retry-after")
            except _BadAnswer as exc:
                return _failed(record, str(exc))
            except (openai.APIConnectionError, _StreamCut) as exc:
                reason = exc.reason if isinstance(exc, _StreamCut) else "connection error"
            except openai.APIError as exc:  # an error event inside the stream, a body the SDK cannot read
                return _failed(record, f"the server answered an error: {str(exc)[:300]}")
            if attempt == self.retry.retries:
                return _failed(record, f"{reason} (after {record.retries} retries)")
            record.retries += 1
            record.retry_reasons.append(reason)
            await asyncio.sleep(self.retry.delay_s(attempt, self._rng, retry_after))
        return record  # not reached: the last attempt returns above

    async def _attempt(
        self,
        client: AsyncOpenAI,
        record: RequestRecord,
        messages: list[dict[str, Any]],
        max_tokens: int,
        fixed_length: bool,
    ) -> None:
        import httpx2 as httpx
        import openai

        record.text, record.ttft_s, record.chunk_times_s = "", None, []
        record.prompt_tokens = record.completion_tokens = record.token_source = None
        parts: list[str] = []
        usage = None
        stream = await client.chat.completions.create(
            model=self.model,
            messages=cast(Any, messages),  # our dicts are ChatCompletionUserMessageParam-shaped
            max_tokens=max_tokens,
            temperature=0.0,
            stream=True,
            stream_options={"include_usage": True},
            extra_body=self.body(max_tokens, fixed_length) or None,
        )
        record.finish_reason = None
        length = 0
        # the answer has started: a failure from here on is a cut or a timeout mid-stream. `async with`
        # closes the response in this task when we stop reading early (over the cap, a timeout): left to
        # the garbage collector, the abandoned stream's generator was closed by the event loop, which
        # printed a traceback beside our one-line error.
        try:
            async with stream:
                async for chunk in stream:
                    now = time.perf_counter() - record.started_s
                    usage = getattr(chunk, "usage", None) or usage
                    for content, finish in _chunk_parts(chunk):
                        if content:
                            length += len(content)
                            if length > MAX_ANSWER_CHARS:
                                raise _BadAnswer(
                                    f"answer longer than {MAX_ANSWER_CHARS:,} characters (the cap)"
                                )
                            parts.append(content)
                            record.chunk_times_s.append(now)
                        if finish:
                            record.finish_reason = finish
        except (openai.APITimeoutError, httpx.TimeoutException) as exc:
            raise _StreamTimeout(str(exc)) from exc
        except (openai.APIConnectionError, httpx.TransportError) as exc:
            raise _StreamCut(str(exc)) from exc
        except ValueError as exc:  # a chunk that is not JSON (json.JSONDecodeError)
            raise _BadAnswer(f"malformed stream chunk ({str(exc)[:120]})") from None
        if record.finish_reason is None:
            what = "an answer" if parts else "no completion (empty, non-JSON or `{}` body)"
            raise _StreamCut(f"the stream ended without a finish_reason after {what}", ended=True)
        record.latency_s = time.perf_counter() - record.started_s
        record.text = redact("".join(parts))
        record.ttft_s = record.chunk_times_s[0] if record.chunk_times_s else record.latency_s
        if usage is not None:
            record.prompt_tokens = usage.prompt_tokens
            record.completion_tokens = usage.completion_tokens
            record.token_source = "usage"
        else:
            record.completion_tokens = len(record.chunk_times_s)
            record.token_source = "chunks"
        record.error = None


class _StreamCut(Exception):
    """The connection closed in the middle of a streamed answer (or the stream ended before its end)."""

    def __init__(self, message: str, ended: bool = False) -> None:
        super().__init__(message)
        self.reason = message if ended else "connection dropped"


class _BadAnswer(Exception):
    """A reply that is no answer and will not become one if asked again (malformed, over the cap)."""


def _failed(record: RequestRecord, error: str) -> RequestRecord:
    """`record` marked failed with `error` (secrets masked); its partial answer is dropped."""
    record.error = redact(error)
    record.text, record.latency_s = "", None
    return record


def _chunk_parts(chunk: Any) -> list[tuple[str | None, str | None]]:
    """(content, finish_reason) of each choice of a stream chunk; `_BadAnswer` if it is not chunk-shaped."""
    choices = getattr(chunk, "choices", None) or []
    try:
        found = []
        for choice in choices:
            content = getattr(getattr(choice, "delta", None), "content", None)
            finish = getattr(choice, "finish_reason", None)
            if (content is not None and not isinstance(content, str)) or (
                finish is not None and not isinstance(finish, str)
            ):
                raise TypeError(f"content {type(content).__name__}, finish_reason {type(finish).__name__}")
            found.append((content, finish))
    except (TypeError, AttributeError) as exc:
        raise _BadAnswer(f"malformed stream chunk ({exc})") from None
    return found


class _StreamTimeout(Exception):
    """The request timeout ran out in the middle of a streamed answer."""


def _detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("message") or body.get("error") or body
        return redact(str(detail)[:300])
    return redact(str(exc)[:300])


def normalize_base_url(url: str) -> str:
    """`http://host:8000` and `http://host:8000/v1/` both mean `http://host:8000/v1`."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url {url!r} must start with http:// or https://")
    return url if url.endswith("/v1") else f"{url}/v1"
