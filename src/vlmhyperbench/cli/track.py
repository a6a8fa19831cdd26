"""The `--log-to` and `--tracking-uri` options that `run`, `bench` and `compare` share, and the one call
each makes once its result is written (`vlmhyperbench.tracking`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from vlmhyperbench.cli.console import say

if TYPE_CHECKING:
    from vlmhyperbench.tracking import Logged

LogTo = Annotated[
    list[str] | None,
    typer.Option(help="Also log the result to mlflow or wandb (repeatable; the mlflow/wandb extras)."),
]
TrackingUri = Annotated[
    str | None, typer.Option(help="--log-to mlflow: the tracking URI (default: $MLFLOW_TRACKING_URI).")
]


def check(log_to: list[str] | None, uri: str | None) -> None:
    """Refuse an unknown tracker before any work is done."""
    from vlmhyperbench.tracking import Tracking

    Tracking.from_options(log_to, uri)


def log_result(log_to: list[str] | None, uri: str | None, result: Callable[[], Logged]) -> None:
    """Log what `result()` reads from the written files, and say where it went."""
    from vlmhyperbench.tracking import Tracking, log

    tracking = Tracking.from_options(log_to, uri)
    if tracking is None:
        return
    for line in log(tracking, result()):
        say(f"logged to {line}")
