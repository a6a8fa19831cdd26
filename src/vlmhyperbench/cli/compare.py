"""`vlmhyperbench compare [runs] ...` and `vlmhyperbench compare calibrate`.

`compare A B` stays the short form: a first argument that names no subcommand goes to `runs`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click import Context  # typer vendors click: its groups receive this Context, not click's
from typer.core import TyperGroup

from vlmhyperbench.cli import track
from vlmhyperbench.cli.console import console, err_console, say
from vlmhyperbench.errors import UsageError
from vlmhyperbench.figures import DEFAULT_FIGURE, FIGURES

DEFAULT_SUBCOMMAND = "runs"


class DefaultSubcommandGroup(TyperGroup):
    """`compare X ...` means `compare runs X ...` unless X is a subcommand or asks for help."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [DEFAULT_SUBCOMMAND, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=DefaultSubcommandGroup,
    help="Compare benchmark runs, cells or baselines (`compare A B`), or calibrate the comparison.",
    no_args_is_help=True,
)


def parse_threshold(text: str) -> float:
    """`5%`, `5 %` or `0.05` -> 0.05."""
    cleaned = text.strip()
    try:
        value = float(cleaned[:-1].strip()) / 100.0 if cleaned.endswith("%") else float(cleaned)
    except ValueError:
        raise UsageError(f"--threshold {text!r} is not a fraction (0.05) or a percentage (5%)") from None
    return value


@app.command(DEFAULT_SUBCOMMAND)
def runs(
    results: Annotated[
        list[str],
        typer.Argument(
            help="BASELINE CURRENT [MORE...]: result JSON files, stored runs (CELL, CELL:latest, "
            "CELL:previous, CELL:NNNN) or baseline:NAME. More than two: cross-cell table against the first. "
            "One: compare it with --baseline NAME, else with its cell's previous run (the CI gate). "
            "Quality run folders (written by `vlmhyperbench run`) get the quality gate.",
            show_default=False,
        ),
    ],
    figure: Annotated[
        str,
        typer.Option("--figure", "-f", help=f"One of {', '.join(FIGURES.names())}, or ttft, memory, ..."),
    ] = DEFAULT_FIGURE,
    threshold: Annotated[
        str | None,
        typer.Option(
            help="Fail (exit 1) on a significant regression worse than this: benchmarks 5% (default) or "
            "0.05; quality runs: metric points, default 0.02.",
            show_default=False,
        ),
    ] = None,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    baseline: Annotated[
        str | None, typer.Option(help="With one input: the named baseline to compare it with.")
    ] = None,
    fallback_previous: Annotated[
        bool,
        typer.Option("--fallback-previous", help="With --baseline: the previous run if NAME is not saved."),
    ] = False,
    save_baseline: Annotated[
        str | None,
        typer.Option(help="Store the current (last) result as baseline NAME, unless the comparison failed."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --save-baseline: save even when the comparison failed.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Folder for compare.md/.png/.json (default: <results root>/compare).")
    ] = None,
    allow_mismatch: Annotated[
        bool,
        typer.Option("--allow-mismatch", help="Compare benchmarks whose config differs (a note, no error)."),
    ] = False,
    allow_missing: Annotated[
        bool,
        typer.Option(
            "--allow-missing",
            help="With --baseline or --require-all: pass when the current run lacks baseline benchmarks.",
        ),
    ] = False,
    require_all: Annotated[
        bool,
        typer.Option(
            "--require-all",
            help="Fail on every benchmark not compared: missing from the current run, or of another length "
            "(what --baseline, the CI gate, does by default).",
        ),
    ] = False,
    root: Annotated[
        Path | None, typer.Option(help="Results root (default: $VLMHYPERBENCH_RESULTS or .benchmarks).")
    ] = None,
    log_to: track.LogTo = None,
    tracking_uri: track.TrackingUri = None,
) -> None:
    """Compare benchmark runs, cells or baselines; exit 1 on a significant regression beyond --threshold.

    The benchmarks both results have are compared; the others are summed up in a line. With --baseline
    NAME (the CI gate) or --require-all, a benchmark of the baseline that the current run lacks fails too
    (unless --allow-missing) and a length that differs is an error.
    """
    from vlmhyperbench.compare import compare as compare_results
    from vlmhyperbench.compare import plan_gate, resolve
    from vlmhyperbench.compare import save_baseline as save
    from vlmhyperbench.compare.quality import is_quality_address
    from vlmhyperbench.report.compare import print_comparison, write_report
    from vlmhyperbench.results import ResultStore

    track.check(log_to, tracking_uri)
    store = ResultStore(root)
    root = store.root
    if not 0.0 < confidence < 1.0:
        raise UsageError(f"--confidence {confidence}: a level between 0 and 1, e.g. 0.95")
    if save_baseline:
        store.baseline_path(save_baseline)  # a bad name is refused before any report is written
    named = [*results, *([f"baseline:{baseline}"] if baseline else [])]
    if any(is_quality_address(address, root) for address in named):
        gate = QualityGate(baseline, fallback_previous, save_baseline, force, out, root, log_to, tracking_uri)
        raise typer.Exit(compare_quality_runs(results, threshold, confidence, gate))
    limit = parse_threshold(threshold or "5%")
    if require_all and allow_missing:
        raise UsageError("--require-all and --allow-missing contradict each other: give one")
    strict = require_all or (baseline is not None and not allow_missing)
    if len(results) == 1:  # the gate: a baseline, else the cell's previous run
        plan = plan_gate(results[0], baseline, store, fallback=fallback_previous)
        reference, others = plan.reference, [plan.current]
        say(f"{plan.current.source}: {plan.reason}")
    else:
        if baseline:
            raise UsageError("--baseline is for a single input; pass baseline:NAME as an input")
        reference, *others = [resolve(address, store) for address in results]
    current = others[-1]
    code = 0
    if reference is None:
        console.print("[yellow]nothing to compare with yet[/yellow]")
    else:
        comparison = compare_results(
            reference,
            others,
            figure=figure,
            threshold=limit,
            confidence=confidence,
            allow_mismatch=allow_mismatch,
            allow_missing=allow_missing,
            require_all=strict,
        )
        print_comparison(comparison, console)
        paths = write_report(comparison, out or store.compare_folder())
        say("wrote " + ", ".join(str(p) for p in paths.values()))
        code = comparison.exit_code()
        _log(log_to, tracking_uri, paths, results)
    if save_baseline:
        if code and not force:
            err_console.print(
                f"[yellow]baseline {save_baseline!r} not saved: the comparison failed (--force saves it)"
            )
        else:
            target = save(current, save_baseline, store)
            say(f"saved {current.source} as baseline {save_baseline!r} ({target})")
    raise typer.Exit(code)


@dataclass(frozen=True)
class QualityGate:
    """What `compare` does around a quality comparison: the baseline to use or save, where to write."""

    baseline: str | None
    fallback: bool
    save_baseline: str | None
    force: bool
    out: Path | None
    root: Path
    log_to: list[str] | None = None  # --log-to, --tracking-uri
    tracking_uri: str | None = None


def _log(log_to: list[str] | None, uri: str | None, paths: dict[str, Path], inputs: list[str]) -> None:
    """The comparison's report to the trackers named by --log-to (`vlmhyperbench.tracking`)."""
    from vlmhyperbench.tracking import compare_result

    track.log_result(log_to, uri, lambda: compare_result(paths["json"], list(paths.values()), inputs))


def compare_quality_runs(
    results: list[str], threshold: str | None, confidence: float, gate: QualityGate
) -> int:
    """`compare` on quality run folders (vlmhyperbench.compare.quality); returns the exit code."""
    from vlmhyperbench.compare.quality import (
        DEFAULT_QUALITY_THRESHOLD,
        compare_quality,
        plan_quality_gate,
        save_quality_baseline,
    )
    from vlmhyperbench.report.quality_compare import print_quality_comparison, write_quality_report

    limit = DEFAULT_QUALITY_THRESHOLD if threshold is None else parse_threshold(threshold)
    reference, runs = plan_quality_gate(results, gate.root, gate.baseline, gate.fallback)
    code = 0
    if reference is None:
        say(f"no quality baseline {gate.baseline!r} yet: nothing to compare with")
    else:
        comparison = compare_quality(reference, runs, limit, confidence)
        print_quality_comparison(comparison, console)
        paths = write_quality_report(comparison, gate.out or gate.root / "compare" / "quality")
        say("wrote " + ", ".join(str(p) for p in paths.values()))
        code = comparison.exit_code()
        _log(gate.log_to, gate.tracking_uri, paths, results)
    if gate.save_baseline:
        if code and not gate.force:
            err_console.print(
                f"[yellow]baseline {gate.save_baseline!r} not saved: the comparison failed (--force saves it)"
            )
        else:
            target = save_quality_baseline(runs[-1], gate.save_baseline, gate.root)
            say(f"saved {runs[-1].source} as quality baseline {gate.save_baseline!r} ({target})")
    return code


@app.command("calibrate")
def calibrate(
    preset: Annotated[str, typer.Option(help="Tiny preset to measure.")] = "tiny-llava",
    repeats: Annotated[int, typer.Option(help="Repetitions of the A/A and slowdown tests.")] = 40,
    rounds: Annotated[
        str,
        typer.Option(
            help="Measured rounds per arm and repetition, or auto: measure this machine's noise first and "
            "take the rounds that resolve --slowdown."
        ),
    ] = "auto",
    slowdown: Annotated[float, typer.Option(help="Injected slowdown fraction.")] = 0.10,
    new_tokens: Annotated[int, typer.Option(help="Tokens generated per round.")] = 8,
    figure: Annotated[str, typer.Option(help="The figure the gate judges.")] = DEFAULT_FIGURE,
    threshold: Annotated[float, typer.Option(help="The gate's threshold (a fraction).")] = 0.05,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    seed: Annotated[int, typer.Option(help="Seed of the round order and the random weights.")] = 0,
    threads: Annotated[int, typer.Option(help="torch intra-op threads (0: torch's default).")] = 1,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the result as JSON here.")
    ] = None,
) -> None:
    """A/A false-alarm and injected-slowdown detection rates of `compare` on this machine (exit 1: missed)."""
    from vlmhyperbench.compare.calibrate import CalibrationResult
    from vlmhyperbench.compare.calibrate import calibrate as run
    from vlmhyperbench.results import write_json

    if rounds != "auto" and not rounds.isdigit():
        raise UsageError(f"--rounds {rounds!r}: a whole number or auto")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    def progress(done: int, result: CalibrationResult) -> None:
        print(
            f"\r{done}/{repeats}: false alarms {result.false_alarms}, detections {result.detections}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def pilot(noise: float, chosen: int) -> None:
        say(f"pilot: rounds vary by {noise:.1%}; {chosen} rounds per arm resolve {slowdown:.0%}", err=True)

    settings: dict[str, Any] = dict(
        preset=preset,
        repeats=repeats,
        slowdown=slowdown,
        new_tokens=new_tokens,
        figure=figure,
        threshold=threshold,
        confidence=confidence,
        seed=seed,
        threads=threads or None,
        progress=progress,
    )
    result = run(None if rounds == "auto" else int(rounds), on_pilot=pilot, **settings)
    print(file=sys.stderr)
    say(result.summary())
    if not result.quiet_enough:
        say("note: the detection target needs a quieter machine or more --rounds", err=True)
    if json_path:
        write_json(json_path, result.to_dict())
    raise typer.Exit(0 if result.passed else 1)
