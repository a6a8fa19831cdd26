"""One small registry pattern for backends, presets, metrics and aggregators.

`get` fails with the list of what exists, so a typo on the command line names its fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from vlmhyperbench.errors import UsageError

T = TypeVar("T")


class UnknownNameError(UsageError, KeyError):
    """Raised for a name that is not registered; its message lists the available names."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def did_you_mean(name: str, names: Iterable[str], prefix: str = "") -> str:
    """`; did you mean 'x'?` for the closest of `names` (difflib), or "" when none is close."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f"; did you mean {prefix + close[0]!r}?" if close else ""


class Registry(Generic[T]):
    """Name -> object, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def add(self, name: str, item: T) -> T:
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form of `add`."""

        def decorate(item: T) -> T:
            return self.add(name, item)

        return decorate

    @contextmanager
    def added(self, name: str, item: T) -> Iterator[T]:
        """`add` for the length of a with-block (a recipe test adds a toy one, then all is as it was)."""
        self.add(name, item)
        try:
            yield item
        finally:
            del self._items[name]

    def remove(self, name: str) -> T:
        """Take `name` out again (a plugin or test that registered something temporary)."""
        item = self.get(name)  # an unknown name fails listing what exists
        del self._items[name]
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(
                f"Unknown {self.kind} {name!r}. Available: {', '.join(self._items) or '(none)'}"
                + did_you_mean(name, self._items)
            ) from None

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)
