"""Marks taken inside `generate`: one per generated token (a streamer) and around the vision path (hooks).

Both only call `clock.mark()`; the seconds are read after the run, so nothing synchronises mid-generate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from vlmhyperbench.perf.timing import Clock


class TokenMarks:
    """A `generate` streamer: `put` is called with the prompt first, then once per decoding step.

    The mark at the first step is the first token's time (TTFT: prefill, vision encoder included).
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.marks: list[Any] = []
        self._prompt_seen = False

    def put(self, value: Any) -> None:
        if not self._prompt_seen:
            self._prompt_seen = True
            return
        self.marks.append(self.clock.mark())

    def end(self) -> None:
        return None


class VisionMarks:
    """Forward hooks: a pre-hook on the vision tower opens an interval, a hook on the projector closes it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.intervals: list[tuple[Any, Any]] = []
        self._open: Any = None

    def _enter(self, module: Any, args: Any) -> None:
        if self._open is None:
            self._open = self.clock.mark()

    def _exit(self, module: Any, args: Any, output: Any) -> None:
        if self._open is not None:
            self.intervals.append((self._open, self.clock.mark()))
            self._open = None

    @contextmanager
    def attach(self, modules: tuple[Any, Any] | None) -> Iterator[VisionMarks]:
        """Hook (first, last) vision modules for the duration of the block; no-op when None."""
        if modules is None:
            yield self
            return
        first, last = modules
        handles = [first.register_forward_pre_hook(self._enter), last.register_forward_hook(self._exit)]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()

    def seconds(self) -> float | None:
        """Total time in the vision path, or None when it never ran (or no hooks were attached)."""
        if not self.intervals:
            return None
        return sum(self.clock.seconds(a, b) for a, b in self.intervals)
