"""`vlmhyperbench score`: score a ready answers file against a dataset, no model loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmhyperbench.cli.console import say

SCORING_HELP = "default, or upstream: metric_evaluator 0.1.1's numbers, columns and files."


def score(
    answers: Annotated[
        Path, typer.Argument(help="Answers file `id;model_answer` (only read, never written).")
    ],
    dataset: Annotated[Path, typer.Option(help="Dataset folder holding annotation.csv.")],
    out: Annotated[
        Path | None, typer.Option(help="Folder for the tables (default: the answers' folder).")
    ] = None,
    scoring: Annotated[str, typer.Option(help=SCORING_HELP)] = "default",
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="Only these metrics (repeatable, any case).")
    ] = None,
    yo_to_e: Annotated[bool, typer.Option("--yo-to-e", help="Read ё as е (default profile).")] = False,
    allow_absolute_paths: Annotated[
        bool, typer.Option("--allow-absolute-paths", help="Accept absolute image_path values, as upstream.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace tables already in the --out folder.")
    ] = False,
) -> None:
    """Score the answers present in a file; say how many dataset questions have none."""
    from vlmhyperbench.eval.score_file import score_answers_file

    report = score_answers_file(
        answers,
        dataset,
        out,
        profile=scoring,
        metrics=metric,
        yo_to_e=yo_to_e,
        allow_absolute_paths=allow_absolute_paths,
        force=force,
    )
    say(f"scored {report.scored} answers ({report.profile} profile)")
    say(report.missing_line(), err=bool(report.missing))
    if report.extra:
        say(
            f"{len(report.extra)} answer ids are not in the dataset (ignored): {', '.join(report.extra[:5])}",
            err=True,
        )
    figures = ", ".join(f"{k} {v:.4g}" for k, v in report.general.items() if isinstance(v, float))
    if figures:
        say(f"general: {figures}")
    for name, path in report.files.items():
        say(f"  {name}: {path}")
