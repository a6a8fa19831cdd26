"""`vlmhyperbench ab [run] A B` and `vlmhyperbench ab calibrate A B` (library: `vlmhyperbench.ab`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from vlmhyperbench.cli.compare import parse_threshold
from vlmhyperbench.cli.console import console, say
from vlmhyperbench.errors import UsageError
from vlmhyperbench.figures import DEFAULT_FIGURE, FIGURES

if TYPE_CHECKING:
    from vlmhyperbench.ab import Settings, Side


class RunByDefault(TyperGroup):
    """`ab A B` means `ab run A B` unless A is a subcommand or asks for help (as `compare` does)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=RunByDefault,
    help="Side-by-side A/B: interleave the rounds of two cells, revisions or settings (`ab A B`).",
    no_args_is_help=True,
)

SIDE_HELP = (
    "'.' (this environment), a Python or venv path, a matrix cell (3.12-cu128-dev: its nox venv) or a git "
    "revision (built with uv into --cache once)."
)
Model = Annotated[str, typer.Option(help="Model spec both sides load (dummy:<tiny preset> needs no hub).")]
Opts = Annotated[list[str] | None, typer.Option(help="KEY=VALUE for this side only: model, dtype, attn, ...")]
Calls = Annotated[int, typer.Option(help="Timed generate calls per round; the round reports their median.")]
Settle = Annotated[int, typer.Option(help="Unrecorded calls at the start of every round (caches).")]


def parse_rounds(text: str) -> int | None:
    """`auto` -> None; a whole number of rounds per side -> blocks of two rounds per side."""
    if text == "auto":
        return None
    if not text.isdigit() or int(text) < 2:
        raise UsageError(
            f"--rounds {text!r}: auto, or a whole number of rounds per side (>= 2; 12+ for a verdict)"
        )
    return (int(text) + 1) // 2


def _sides(
    a: str,
    b: str,
    settings: Settings,
    a_opt: list[str],
    b_opt: list[str],
    cache: Path | None,
    extra: str | None,
) -> tuple[Side, Side]:
    from vlmhyperbench.ab import resolve_side
    from vlmhyperbench.env.info import project_checkout

    repo = project_checkout()  # None outside a checkout: `ab . .` and paths need none
    side_a = resolve_side(a, "A", settings.with_options(a_opt, "--a-opt"), repo, cache, extra, log=say)
    side_b = resolve_side(b, "B", settings.with_options(b_opt, "--b-opt"), repo, cache, extra, log=say)
    return side_a, side_b


@app.command("run")
def run(
    a: Annotated[str, typer.Argument(help="Side A, the reference: " + SIDE_HELP, show_default=False)],
    b: Annotated[str, typer.Argument(help="Side B, judged against A.", show_default=False)],
    rounds: Annotated[
        str, typer.Option(help="Measured rounds per side, or auto: a pilot sizes the run.")
    ] = "auto",
    figure: Annotated[str, typer.Option("--figure", "-f", help=f"One of {', '.join(FIGURES.names())}.")] = (
        DEFAULT_FIGURE
    ),
    threshold: Annotated[
        str, typer.Option(help="Fail (exit 1) on a significant regression beyond this.")
    ] = "5%",
    confidence: Annotated[float, typer.Option(help="Confidence level of the interval.")] = 0.95,
    model: Model = "dummy:tiny-llava",
    dtype: Annotated[str, typer.Option(help="dtype both sides load.")] = "auto",
    attn: Annotated[str | None, typer.Option(help="Attention implementation both sides use.")] = None,
    new_tokens: Annotated[int, typer.Option(help="Tokens generated per round.")] = 8,
    batch: Annotated[int, typer.Option(help="Images per round.")] = 1,
    threads: Annotated[int, typer.Option(help="torch threads per worker (1 suits a shared CPU).")] = 1,
    calls: Calls = 3,
    settle: Settle = 1,
    a_opt: Opts = None,
    b_opt: Opts = None,
    warmup: Annotated[int, typer.Option(help="Unrecorded rounds per side before measuring.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the block orders and the random weights.")] = 0,
    cache: Annotated[
        Path | None, typer.Option(help="Where revisions are built (default ~/.cache/...).")
    ] = None,
    extra: Annotated[str | None, typer.Option(help="Backend extra revisions are built with.")] = None,
    root: Annotated[
        Path | None, typer.Option(help="Results root (default: $VLMHYPERBENCH_RESULTS or .benchmarks).")
    ] = None,
) -> None:
    """Measure A and B in interleaved ABBA blocks and judge B against A; exit 1 on a regression."""
    from vlmhyperbench.ab import Settings, SideFailed, run_ab, save_run
    from vlmhyperbench.report.compare import print_comparison
    from vlmhyperbench.results import ResultStore

    if not 0.0 < confidence < 1.0:
        raise UsageError(f"--confidence {confidence}: a level between 0 and 1, e.g. 0.95")
    limit = parse_threshold(threshold)
    settings = Settings(model, dtype, attn, batch, new_tokens, threads, seed, calls, settle)
    side_a, side_b = _sides(a, b, settings, a_opt or [], b_opt or [], cache, extra)

    def progress(ab_run: Any) -> None:
        print(
            f"\rblock {ab_run.rounds[-1].block}: {len(ab_run.rounds)} rounds, {ab_run.seconds:.0f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    ab_run = run_ab(
        side_a,
        side_b,
        parse_rounds(rounds),
        figure,
        warmup,
        seed,
        threshold=limit,
        confidence=confidence,
        progress=progress,
        log=lambda text: say(text, err=True),
    )
    print(file=sys.stderr)
    store = ResultStore(root)
    folder, comparison = save_run(ab_run, store, limit, confidence)
    if ab_run.rounds:
        print_comparison(comparison, console)
    say(f"wrote {folder} ({len(ab_run.rounds)} rounds)")
    if ab_run.error:
        raise SideFailed(f"{ab_run.error} ({len(ab_run.rounds)} rounds measured before are kept in {folder})")
    raise typer.Exit(comparison.exit_code())


@app.command("calibrate")
def calibrate(
    a: Annotated[str, typer.Argument(help="Side A: " + SIDE_HELP, show_default=False)] = ".",
    b: Annotated[str, typer.Argument(help="Side B: best another environment of the same revision.")] = ".",
    repeats: Annotated[int, typer.Option(help="Repetitions of the A/A' and slowdown tests.")] = 20,
    rounds: Annotated[str, typer.Option(help="Rounds per arm and repetition, or auto (a pilot).")] = "auto",
    slowdown: Annotated[float, typer.Option(help="Injected slowdown of arm S (a fraction).")] = 0.10,
    sequential: Annotated[
        bool, typer.Option(help="Also count `compare`'s false alarms on sequential runs.")
    ] = False,
    model: Model = "dummy:tiny-llava",
    new_tokens: Annotated[int, typer.Option(help="Tokens generated per round.")] = 8,
    calls: Calls = 3,
    settle: Settle = 1,
    figure: Annotated[str, typer.Option(help="The figure judged.")] = DEFAULT_FIGURE,
    threshold: Annotated[float, typer.Option(help="The gate's threshold (a fraction).")] = 0.05,
    seed: Annotated[int, typer.Option(help="Seed of the block orders.")] = 0,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the result as JSON here.")
    ] = None,
) -> None:
    """False alarms (A vs A') and detections (A vs A' slowed) of `ab` on this machine (exit 1: missed)."""
    from vlmhyperbench.ab import Settings
    from vlmhyperbench.ab.calibrate import calibrate_ab
    from vlmhyperbench.results import write_json

    settings = Settings(model=model, new_tokens=new_tokens, seed=seed, calls=calls, settle=settle)
    side_a, side_b = _sides(a, b, settings, [], [], None, None)

    def progress(done: int, result: Any) -> None:
        sequential_text = f", sequential false alarms {result.sequential_false_alarms}" if sequential else ""
        blocks_now = (result.blocks_used or [result.blocks])[-1]  # auto: where this repetition stopped
        print(
            f"\r{done}/{repeats}: false alarms {result.false_alarms}, detections {result.detections}"
            f"{sequential_text} ({blocks_now} blocks, {result.seconds:.0f} s)",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if json_path:  # after every repetition: a long calibration stopped early still leaves its counts
            write_json(json_path, result.to_dict())

    blocks = parse_rounds(rounds)
    result = calibrate_ab(
        side_a,
        side_b,
        repeats,
        blocks,
        slowdown,
        figure,
        threshold,
        sequential=sequential,
        seed=seed,
        progress=progress,
        log=lambda text: say(text, err=True),
    )
    print(file=sys.stderr)
    say(result.summary())
    if json_path:
        write_json(json_path, result.to_dict())
    raise typer.Exit(0 if result.passed else 1)
