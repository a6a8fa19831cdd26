"""Served models: OpenAI-compatible servers (vLLM, SGLang, TGI, `transformers serve`) as engines, benchmarked.

    options = ServerOptions(base_url="http://127.0.0.1:8000/v1", concurrency=16)
    with create_engine("openai:Qwen/Qwen2-VL-2B-Instruct", LoadOptions(server=options)) as engine: ...

Modules: `options` (how to reach or start the server), `client` (one streamed request, timed, retried),
`server` (reachability, identity, fixed-length probe), `launch` (`--launch CMD`), `schedule` (request rates,
SLOs), `bench` (the serving benchmark's cases and figures) and `sweep` (cases into the result store).
This package is torch-free; `bench` and `sweep` use `vlmhyperbench.perf` and are imported by name.
"""

from __future__ import annotations

from vlmhyperbench.serve.client import RequestRecord, RetryPolicy, ServedClient, ServerError, api_key
from vlmhyperbench.serve.launch import LaunchedServer, launch_server
from vlmhyperbench.serve.options import ServerOptions
from vlmhyperbench.serve.schedule import SloTargets, arrival_offsets, parse_rates, parse_slo
from vlmhyperbench.serve.server import check_server, list_models, probe_fixed_length, server_identity

__all__ = [
    "LaunchedServer",
    "RequestRecord",
    "RetryPolicy",
    "ServedClient",
    "ServerError",
    "ServerOptions",
    "SloTargets",
    "api_key",
    "arrival_offsets",
    "check_server",
    "launch_server",
    "list_models",
    "parse_rates",
    "parse_slo",
    "probe_fixed_length",
    "server_identity",
]
