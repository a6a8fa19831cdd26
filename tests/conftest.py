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


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, a worker's environment says which worker it is (PYTEST_XDIST_WORKER, ...), and
    every subprocess a test starts would inherit it: a `pytest benchmarks` run by a test would then take
    itself for an xdist worker, and pytest-benchmark disables itself there. Tests that need the worker
    use xdist's `worker_id` fixture, not the environment."""
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        os.environ.pop(name, None)


@pytest.fixture(autouse=True)
def results_store_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets a results store of its own (`$VLMHYPERBENCH_RESULTS`): none writes into the
    checkout's .benchmarks/, where a bench session or another xdist worker keeps its results. A test that
    sets the variable itself (or deletes it, to check the default) still wins."""
    monkeypatch.setenv("VLMHYPERBENCH_RESULTS", str(tmp_path_factory.mktemp("results-store")))


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that needs the real server is `slow`: starting it takes 30-100 s on a shared CPU. Under
    pytest-xdist (`--dist loadgroup`) those tests share one group, so one worker starts the server, not
    every worker its own."""
    for item in items:
        if "served" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(SERVED_GROUP))


SERVED_GROUP = "served"  # the xdist group of every test that uses the one real `transformers serve`


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
