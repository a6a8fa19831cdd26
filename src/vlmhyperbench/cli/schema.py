"""`vlmhyperbench schema speed|run`: print the JSON Schema of a result file (docs/schemas/ holds them)."""

from __future__ import annotations

from typing import Annotated

import typer


def schema(
    name: Annotated[str, typer.Argument(help="speed (a speed record) or run (a run's summary.json).")],
) -> None:
    """Print the JSON Schema that a speed record or a run summary follows."""
    from vlmhyperbench.results.contracts import render

    typer.echo(render(name), nl=False)
