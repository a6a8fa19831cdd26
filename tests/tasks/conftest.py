"""The `scripted` engine, registered for the length of a test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.tasks.scripted import ScriptedEngine
from vlmhyperbench.engines import ENGINES


@pytest.fixture
def scripted() -> Iterator[type[ScriptedEngine]]:
    with ENGINES.added(ScriptedEngine.name, ScriptedEngine):
        yield ScriptedEngine
