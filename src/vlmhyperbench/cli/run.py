"""`vlmhyperbench run`: evaluate a VLM on a document dataset and write answers, metrics and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmhyperbench.cli import track
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
    dataset: Annotated[
        Path | None,
        typer.Option(help="Dataset folder (annotation.csv + images), a parquet file or folder, or hf:NAME."),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(help="qa (default), classification, sorting, docvqa, chartqa...; the config's `task:`."),
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
    log_to: track.LogTo = None,
    tracking_uri: track.TrackingUri = None,
) -> None:
    """Evaluate a VLM on a document dataset: answers, metrics, aggregations and a report.

    Options replace the config's values; run.json in the run folder records the settings used.
    """
    from vlmhyperbench.eval.config import RunOverrides, load_config, split_names
    from vlmhyperbench.tasks import runnable

    runnable(task or "qa")  # an unknown --task is refused before anything prints or runs
    track.check(log_to, tracking_uri)
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
    runnable(settings.task)  # and so is a config's
    if print_config:
        import yaml

        typer.echo(yaml.safe_dump(settings.model_dump(mode="json"), allow_unicode=True, sort_keys=False))
        return
    from vlmhyperbench.engines.preflight import check_model

    check_model(settings.model)  # a typo or an unreachable hub id fails before the heavy imports
    from vlmhyperbench.evaluate import run_evaluation
    from vlmhyperbench.report.format import print_full_width
    from vlmhyperbench.report.run_table import results_table
    from vlmhyperbench.runs import RunError

    if resume and settings.out is None:
        raise RunError("--resume needs the run's folder: pass --out or set out in the config")
    if settings.out is None:  # chosen here, so that an interrupted run can say where to resume
        from vlmhyperbench.runs.folder import default_out_dir

        settings = RunOverrides(out=default_out_dir()).apply(settings)
    try:
        result = run_evaluation(settings, resume=resume, console=err_console)
    except KeyboardInterrupt:
        assert settings.out is not None
        raise typer.Exit(interrupted(Path(settings.out))) from None
    print_full_width(results_table(result.summary), console)
    for name, path in result.files.items():
        say(f"  {name}: {path}")
    from vlmhyperbench.tracking import run_result

    track.log_result(log_to, tracking_uri, lambda: run_result(result.out))


def interrupted(out: Path) -> int:
    """Ctrl-C: one line saying what is kept and the command that continues it; returns the exit code.

    A second Ctrl-C while the interpreter shuts down (threads, files closing) is ignored, so no
    "Exception ignored ... KeyboardInterrupt" traceback follows the line.
    """
    import shlex
    import signal
    import sys

    from vlmhyperbench.errors import ExitCode

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not (out / "run.json").is_file():
        say(
            f"interrupted before the first answer: nothing to resume in {out}; run the command again",
            err=True,
        )
        return int(ExitCode.INTERRUPTED)
    args, skip = [], False
    for arg in sys.argv[1:]:  # the same command, with --out and --resume said once
        if skip:
            skip = False
        elif arg in ("--out", "--resume") or arg.startswith("--out="):
            skip = arg == "--out"
        else:
            args.append(arg)
    command = shlex.join(["vlmhyperbench", *args, "--out", str(out), "--resume"])
    say(f"interrupted: the answers so far are kept in {out}; continue with: {command}", err=True)
    return int(ExitCode.INTERRUPTED)
