"""Shared test settings: no model hub, ever."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


# One real `transformers serve` per session for the tests that ask for `served` (tests/serve/servers.py).
# The helpers are imported inside the fixtures: this file is also read by tools that cannot import `tests`
# (the pytest-benchmark command line).


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that needs the real server is `slow`: starting it takes 30-100 s on a shared CPU."""
    for item in items:
        if "served" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served preset saved as a model folder."""
    from tests.serve.servers import SERVED_PRESET
    from vlmhyperbench.models.saving import save_model

    return save_model(SERVED_PRESET, tmp_path_factory.mktemp("saved") / "tiny-llava")


@pytest.fixture(scope="session")
def served(saved_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`saved_model` served on a free loopback port; the server's process group is stopped afterwards."""
    from tests.serve.servers import serve_saved_model

    with serve_saved_model(saved_model, tmp_path_factory.mktemp("server") / "server.log") as server:
        yield server
