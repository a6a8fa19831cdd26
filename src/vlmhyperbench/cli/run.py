"""`vlmhyperbench run`: evaluate a VLM on a document dataset and write answers, metrics and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmhyperbench.cli.console import err_console, say


def run(
    config: Annotated[
        Path | None,
        typer.Argument(help="YAML run config (omit: Tesseract, or a tiny dummy, on a small degraded set)"),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="dummy:<preset>, tesseract:rus, a local folder or a HF id.")
    ] = None,
    dataset: Annotated[Path | None, typer.Option(help="Dataset folder (annotation.csv + images).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: results/run-<timestamp>)")] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the run in --out, asking only what is missing.")
    ] = False,
    print_config: Annotated[
        bool, typer.Option("--print-config", help="Print the resolved config as YAML and stop.")
    ] = False,
    base_url: Annotated[str | None, typer.Option(help="openai:NAME models: the server's URL.")] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="openai: requests in flight at once.")
    ] = None,
    launch: Annotated[str | None, typer.Option(help="openai: a server command to start and stop.")] = None,
) -> None:
    """Evaluate a VLM on a document dataset: answers, metrics, aggregations and a report."""
    from vlmhyperbench.eval.config import load_config
    from vlmhyperbench.eval.run import RunError, run_evaluation

    settings = load_config(config)
    if config is None and model is None:
        from vlmhyperbench.eval.config import default_config_note

        err_console.print(default_config_note(settings), highlight=False, soft_wrap=True)
    given = {"model": model, "dataset": dataset, "out": out}
    settings = settings.model_copy(update={k: v for k, v in given.items() if v is not None})
    served = {"base_url": base_url, "concurrency": concurrency, "launch": launch}
    if any(v is not None for v in served.values()):  # the config's `server:` block, as given on the line
        server = settings.server.model_copy(update={k: v for k, v in served.items() if v is not None})
        settings = settings.model_copy(update={"server": server})
    if print_config:
        import yaml

        typer.echo(yaml.safe_dump(settings.model_dump(mode="json"), allow_unicode=True, sort_keys=False))
        return
    if resume and settings.out is None:
        raise RunError("--resume needs the run's folder: pass --out or set out in the config")
    result = run_evaluation(settings, resume=resume, console=err_console)
    general = result.summary["general"]
    scores = ", ".join(f"{k} {v:.3f}" for k, v in general.items() if k != "count" and isinstance(v, float))
    say(f"{result.questions} questions: {scores}")
    for name, path in result.files.items():
        say(f"  {name}: {path}")
