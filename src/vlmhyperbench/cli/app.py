"""The root `vlmhyperbench` group, and the one place where errors become messages and exit codes.

`ErrorMappingGroup.invoke` wraps every command (and every nested group) at once: a `VlmHyperBenchError`
prints `error: <message>` on one line and exits with the error class's `ExitCode`; Ctrl-C exits 130.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import signal
from typing import Any

import typer
from rich.markup import escape
from typer._click import Context  # typer vendors click: its groups receive this Context, not click's
from typer.core import TyperGroup

from vlmhyperbench.cli import ab, bench, compare, data, doctor, models, results, run, schema, score, sync
from vlmhyperbench.cli.console import err_console
from vlmhyperbench.errors import ExitCode, VlmHyperBenchError


class ErrorMappingGroup(TyperGroup):
    """A typer group whose commands raise library errors and never catch them themselves."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except VlmHyperBenchError as exc:
            err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            # a second Ctrl-C during shutdown would print "Exception ignored ... KeyboardInterrupt"
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            err_console.print("[yellow]interrupted[/yellow]")
            raise typer.Exit(ExitCode.INTERRUPTED) from None


app = typer.Typer(
    cls=ErrorMappingGroup,
    help="Benchmark how well and how fast vision-language models read documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(doctor.doctor)
app.command()(sync.sync)
app.command()(bench.bench)
app.add_typer(data.app, name="data")
app.command("run")(run.run)
app.command("score")(score.score)
app.command("schema")(schema.schema)
app.add_typer(compare.app, name="compare")
app.command("results")(results.results)
app.add_typer(models.app, name="models")
app.add_typer(ab.app, name="ab")


def main() -> None:
    """Entry point of the `vlmhyperbench` script."""
    app()
