"""Check a model spec before anything heavy is imported or loaded, so a typo costs a second, not a minute.

`bench`, `run` and `doctor --model` call `check_model(spec)` first. For the in-process `hf` engine it
refuses, in one line: a misspelt `dummy:` preset (with "did you mean", from the shipped preset files, no
torch import), a model folder that does not exist, and a Hugging Face id that cannot be had: with
`HF_HUB_OFFLINE` / `TRANSFORMERS_OFFLINE` set and the id not in the local cache, or with no route to the hub
(one short connection attempt instead of the hub client's minute of retries). A hub id that is cached
while the hub cannot be reached is loaded from the cache (`HF_HUB_OFFLINE=1` is set for this process).
Other engines (`openai:`, `tesseract:`) check their own specs when they start.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path
from urllib.parse import urlparse

from vlmhyperbench.engines.registry import DEFAULT_ENGINE, engine_name
from vlmhyperbench.errors import ModelLoadError
from vlmhyperbench.registry import UnknownNameError, did_you_mean

DUMMY_PREFIX = "dummy:"
HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")
PROBE_TIMEOUT_S = 3.0
TRUE = ("1", "true", "yes", "on")
SUGGESTION = (
    "use a dummy:<preset> (random weights, no download, e.g. dummy:tiny-qwen2-vl) or a local model folder"
)


def shipped_presets() -> list[str]:
    """The preset names shipped in `vlmhyperbench/models/presets/*.json`, read without importing the
    `models` package (which imports torch), plus any registered at run time once it is imported."""
    folder = Path(__file__).resolve().parents[1] / "models" / "presets"
    names = sorted(path.stem for path in folder.glob("*.json"))
    presets = sys.modules.get("vlmhyperbench.models.presets")
    if presets is not None:
        names += [name for name in presets.preset_names() if name not in names]
    return names


def offline() -> bool:
    """Whether the hub client is told not to use the network."""
    return any(
        os.environ.get(name, "").strip().lower() in TRUE
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def cached(repo_id: str) -> bool:
    """Whether the local Hugging Face cache holds the model's config.json (no network)."""
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


def hub_reachable(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """One TCP connection to the hub's host (`HF_ENDPOINT`), no request: is there a route at all?"""
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = endpoint.port or (80 if endpoint.scheme == "http" else 443)
    try:
        with socket.create_connection((endpoint.hostname or "huggingface.co", port), timeout=timeout):
            return True
    except OSError:
        return False


def check_model(spec: str) -> None:
    """A ModelLoadError (or UnknownNameError) now for a spec that could only fail later, after the imports."""
    if engine_name(spec) != DEFAULT_ENGINE:
        return
    if spec.startswith(DUMMY_PREFIX):
        name = spec.removeprefix(DUMMY_PREFIX)
        names = shipped_presets()
        if name not in names:
            raise UnknownNameError(
                f"Unknown preset {name!r}. Available: {', '.join(names)}"
                + did_you_mean(name, names, DUMMY_PREFIX)
            )
        return
    path = Path(spec).expanduser()
    if path.exists():
        return
    if spec.startswith((".", "/", "~")) or not HUB_ID.fullmatch(spec):
        return  # the loader's own message names what the spec is not
    check_hub_id(spec)


def check_hub_id(spec: str) -> None:
    """A Hugging Face id without a local folder: usable from the cache, or over a route to the hub."""
    if cached(spec):
        if not offline() and not hub_reachable():
            os.environ["HF_HUB_OFFLINE"] = "1"  # the cached copy, without the client's retries
        return
    if offline():
        raise ModelLoadError(
            f"model {spec!r} is a Hugging Face id, HF_HUB_OFFLINE is set and it is not in the local cache, "
            f"so nothing was asked of the hub: {SUGGESTION}"
        )
    if not hub_reachable():
        host = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname
        raise ModelLoadError(
            f"model {spec!r} is a Hugging Face id, but {host} cannot be reached from here and it is not in "
            f"the local cache: {SUGGESTION} (or download it where there is a network)"
        )
