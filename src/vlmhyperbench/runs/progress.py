"""The one progress bar of long commands (a bench sweep, a run's answering): what is done, of how much, for
how long, and how long is left."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def progress_bar(console: Console, *, transient: bool = True, disable: bool = False) -> Progress:
    """A bar on `console` (stderr, so piped results stay clean); its task description names the step."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
        disable=disable,
    )
