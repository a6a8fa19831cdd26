"""`ServerOptions`: how to reach (or start) the server behind an `openai:NAME` model, in one object.

Carried by `engines.LoadOptions.server`; `bench` and `run` fill it from `--base-url`, `--launch`,
`--concurrency`, `--request-timeout`, `--retries` (or the run config's `server:` block). Holds no API key:
that is read from the environment when a request is sent (`serve.client.api_key`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vlmhyperbench.errors import UsageError

BASE_URL_VARIABLE = "OPENAI_BASE_URL"  # the official client's variable, used when --base-url is not given


@dataclass(frozen=True)
class ServerOptions:
    base_url: str | None = None
    timeout_s: float = 600.0  # per request, first byte to last chunk
    retries: int = 3  # on 429, 5xx and dropped connections, with backoff
    concurrency: int = 1  # requests in flight at once in a quality run (a batch's requests in `bench`)
    launch: str | None = None  # a server command to start first and stop after (`--launch`)
    launch_log: Path | None = None  # where the launched server's output is kept
    ready_timeout_s: float = 600.0  # how long a launched server may take to answer /v1/models

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.retries < 0 or self.concurrency < 1 or self.ready_timeout_s <= 0:
            raise UsageError(
                "server options need a positive timeout, retries >= 0 and concurrency >= 1; got "
                f"timeout {self.timeout_s}, retries {self.retries}, concurrency {self.concurrency}"
            )

    def url(self) -> str:
        """The base URL given, else $OPENAI_BASE_URL; a UsageError says how to give one."""
        url = self.base_url or os.environ.get(BASE_URL_VARIABLE, "").strip()
        if not url:
            raise UsageError(
                f"a served model needs --base-url (e.g. http://127.0.0.1:8000/v1) or ${BASE_URL_VARIABLE}"
            )
        return url
