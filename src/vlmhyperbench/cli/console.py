"""The two consoles every command prints to: results on stdout, progress and errors on stderr."""

from __future__ import annotations

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def say(text: str, *, err: bool = False) -> None:
    """Print text as it is: no rich markup, no highlighting, no wrapping (paths and commands stay whole)."""
    (err_console if err else console).print(text, markup=False, highlight=False, soft_wrap=True)
