"""`vlmhyperbench data check|synth`: validate a dataset, render the synthetic one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmhyperbench.cli.console import console, err_console, say
from vlmhyperbench.errors import ExitCode

app = typer.Typer(help="Check and build datasets in the VLMHyperBench format.", no_args_is_help=True)


@app.command("check")
def check(
    directory: Annotated[
        Path,
        typer.Argument(
            help="Dataset folder (annotation.csv + images), a parquet file or folder, or hf:NAME."
        ),
    ],
    allow_absolute_paths: Annotated[
        bool, typer.Option("--allow-absolute-paths", help="Accept absolute image_path values, as upstream.")
    ] = False,
    task: Annotated[
        str | None,
        typer.Option(help="qa, classification, sorting, or a table's benchmark (docvqa, chartqa...)."),
    ] = None,
) -> None:
    """Validate a dataset and list every problem (exit 1 if there is any): the checks a run makes first."""
    from vlmhyperbench.data import check_dataset, load_dataset
    from vlmhyperbench.data.sources import is_table_source
    from vlmhyperbench.errors import UsageError
    from vlmhyperbench.tasks import QA, detect_task, public

    if task is None and is_table_source(directory):
        names = ", ".join(public.table_task_names())
        raise UsageError(f"{directory} is a table: name its benchmark with --task ({names})")
    task = task or detect_task(directory)
    if task != QA:
        _check_task(directory, task)
        return
    problems = check_dataset(directory, allow_absolute_paths=allow_absolute_paths)
    if problems:
        for problem in problems:
            err_console.print("[red]error:[/red] ", end="")
            say(str(problem), err=True)
        say(f"{len(problems)} problem(s) in {directory}", err=True)
        raise typer.Exit(ExitCode.FAILED)
    dataset = load_dataset(directory, check_images=False, allow_absolute_paths=allow_absolute_paths)
    console.print("[green]ok[/green] ", end="")
    say(
        f"{directory}: {len(dataset)} questions, {len(dataset.values('image_path'))} images, "
        f"doc_class: {', '.join(dataset.values('doc_class'))}"
    )
    empty = sum(not s.answer.strip() for s in dataset.samples)
    if empty:
        err_console.print("[yellow]warning:[/yellow] ", end="")
        say(
            f"{empty} question(s) have an empty reference answer (a field not on the document): an empty "
            "answer to them is scored correct, any other wrong by its full length",
            err=True,
        )


def _check_task(directory: Path, name: str) -> None:
    """`data check` of a classification or sorting dataset (upstream's folder layouts)."""
    from vlmhyperbench.tasks import get_task

    task = get_task(name)
    problems = task.check(directory)
    if problems:
        for problem in problems:
            err_console.print("[red]error:[/red] ", end="")
            say(str(problem), err=True)
        say(f"{len(problems)} problem(s) in {directory} ({name} layout)", err=True)
        raise typer.Exit(ExitCode.FAILED)
    data = task.read(directory)
    classes = ", ".join(dict.fromkeys(i.doc_class for i in data.items))
    pages = len({p for i in data.items for p in i.images})
    console.print("[green]ok[/green] ", end="")
    say(f"{directory}: {name}, {len(data.items)} items, {pages} images, doc_class: {classes}")


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Option(help="Folder to write annotation.csv and images/ into.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Number of document images.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 0,
    doc_class: Annotated[
        list[str] | None, typer.Option(help="Only these classes (repeatable): passport, snils, inn, invoice.")
    ] = None,
    degrade: Annotated[
        str, typer.Option(help="Damage the pages: none, scan, photo or heavy (boxes follow the page).")
    ] = "none",
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty (its files are replaced).")
    ] = False,
    labels: Annotated[
        str, typer.Option(help="ours, or upstream: VLMHyperBench's doc classes and Russian question types.")
    ] = "ours",
    task: Annotated[
        str,
        typer.Option(help="qa (questions), classification (pages per class) or sorting (shuffled pages)."),
    ] = "qa",
) -> None:
    """Render the built-in synthetic Russian document set (passport, SNILS, INN, invoice) with questions."""
    from vlmhyperbench.data.synth import synthesize

    if task != "qa":
        from vlmhyperbench.tasks.synth import synthesize_task

        data = synthesize_task(
            task, out, n=n, seed=seed, doc_classes=doc_class, degradation=degrade, force=force, labels=labels
        )
        say(f"wrote {len(data.items)} {task} items to {out}")
        return
    dataset = synthesize(
        out, n=n, seed=seed, doc_classes=doc_class, degradation=degrade, force=force, labels=labels
    )
    say(f"wrote {n} documents, {len(dataset)} questions to {out}")
