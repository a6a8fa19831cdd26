"""`vlmhyperbench run`: evaluate a VLM on a document dataset and write answers, metrics and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmhyperbench.cli.console import console, err_console, say
from vlmhyperbench.cli.score import SCORING_HELP


def run(
    config: Annotated[
        Path | None,
        typer.Argument(help="YAML run config (omit: Tesseract, or a tiny dummy, on a small degraded set)"),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="dummy:<preset>, tesseract:rus, a local folder or a HF id.")
    ] = None,
    dataset: Annotated[Path | None, typer.Option(help="Dataset folder (annotation.csv + images).")] = None,
    task: Annotated[
        str | None, typer.Option(help="qa (default), classification or sorting; the config's `task:`.")
    ] = None,
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
    request_timeout: Annotated[
        float | None, typer.Option(min=0.001, help="openai: seconds per request, first byte to last.")
    ] = None,
    retries: Annotated[
        int | None, typer.Option(min=0, help="openai: retries on 429, 5xx, dropped connections.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N questions left after the filters.")
    ] = None,
    doc_class: Annotated[
        list[str] | None, typer.Option(help="Only these doc classes (repeatable or a,b).")
    ] = None,
    question_type: Annotated[
        list[str] | None, typer.Option(help="Only these question types (repeatable or a,b).")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Questions per batch.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda, cuda:1, mps.")] = None,
    dtype: Annotated[str | None, typer.Option(help="auto, float32, bfloat16, float16.")] = None,
    trust_remote_code: Annotated[
        bool | None,
        typer.Option("--trust-remote-code", help="Let a model folder run its own Python code (auto_map)."),
    ] = None,
    scoring: Annotated[str | None, typer.Option(help=SCORING_HELP)] = None,
    allow_absolute_paths: Annotated[
        bool | None,
        typer.Option("--allow-absolute-paths", help="Accept absolute image_path values, as upstream."),
    ] = None,
    prompt_fallback: Annotated[
        bool | None,
        typer.Option(
            "--prompt-fallback", help="A (doc class, question type) without a prompt: send the question."
        ),
    ] = None,
) -> None:
    """Evaluate a VLM on a document dataset: answers, metrics, aggregations and a report.

    Options replace the config's values; run.json in the run folder records the settings used.
    """
    from vlmhyperbench.eval.config import RunOverrides, load_config, split_names
    from vlmhyperbench.eval.run import RunError, run_evaluation
    from vlmhyperbench.report.format import print_full_width
    from vlmhyperbench.report.run_table import results_table

    settings = load_config(config, task)
    if config is None and model is None:
        from vlmhyperbench.eval.config import default_config_note

        err_console.print(default_config_note(settings), highlight=False, soft_wrap=True)
    overrides = RunOverrides(
        model=model,
        task=task,
        dataset=dataset,
        out=out,
        limit=limit,
        doc_class=split_names(doc_class) if doc_class else None,
        question_type=split_names(question_type) if question_type else None,
        batch_size=batch_size,
        device=device,
        dtype=dtype,
        scoring=scoring,
        allow_absolute_paths=allow_absolute_paths,
        trust_remote_code=trust_remote_code,
        prompt_fallback=prompt_fallback,
        base_url=base_url,
        concurrency=concurrency,
        launch=launch,
        timeout_s=request_timeout,
        retries=retries,
    )
    settings = overrides.apply(settings)
    if print_config:
        import yaml

        typer.echo(yaml.safe_dump(settings.model_dump(mode="json"), allow_unicode=True, sort_keys=False))
        return
    if resume and settings.out is None:
        raise RunError("--resume needs the run's folder: pass --out or set out in the config")
    result = run_evaluation(settings, resume=resume, console=err_console)
    print_full_width(results_table(result.summary), console)
    for name, path in result.files.items():
        say(f"  {name}: {path}")
