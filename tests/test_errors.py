"""Every error class the library raises on purpose hangs under one root with a documented exit code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import vlmhyperbench
from vlmhyperbench.errors import ExitCode, VlmHyperBenchError

TORCH_FREE_SKIP = ("vlmhyperbench.cli.__main__",)


def _error_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(vlmhyperbench.__path__, "vlmhyperbench."):
        if info.name in TORCH_FREE_SKIP:
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            # a private class (`_StreamCut`) is a module's own control flow, never shown to a user
            if (
                issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
                and obj.__name__[0] != "_"
            ):
                found.append(obj)
    return found


def test_every_error_class_of_the_package_subclasses_the_root() -> None:
    classes = _error_classes()
    assert len(classes) >= 10
    strays = [f"{c.__module__}.{c.__name__}" for c in classes if not issubclass(c, VlmHyperBenchError)]
    assert not strays, f"error classes outside the root: {strays}"


def test_every_error_class_maps_to_a_documented_exit_code() -> None:
    for cls in _error_classes():
        assert isinstance(cls.exit_code, ExitCode), cls  # type: ignore[attr-defined]
