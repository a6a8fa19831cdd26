"""Shared test settings: no model hub, ever."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


# `saved_model` and `served`: one real `transformers serve` per session, for tests/serve and tests/engines.
pytest_plugins = ("tests.serve.servers",)
