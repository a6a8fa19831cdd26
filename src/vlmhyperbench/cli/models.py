"""`vlmhyperbench models save`: write a model (a `dummy:` preset included) as a folder any server loads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vlmhyperbench.cli.console import say

app = typer.Typer(help="Model folders for servers and other tools.", no_args_is_help=True)


@app.command("save")
def save(
    model: Annotated[str, typer.Argument(help="dummy:<preset>, a local folder or a HF id.")],
    folder: Annotated[Path, typer.Argument(help="New (or empty) folder to write the model into.")],
    seed: Annotated[int, typer.Option(help="Seed for the random weights of dummy: models.")] = 0,
    dtype: Annotated[str, typer.Option(help="auto (float32 on CPU), bfloat16, float16.")] = "auto",
) -> None:
    """Save model and processor with save_pretrained, e.g. for `transformers serve FOLDER` or `vllm serve`."""
    from vlmhyperbench.models.saving import save_model

    save_model(model, folder, seed=seed, dtype=dtype)
    say(f"saved {model} to {folder}")
    say(f"serve it: transformers serve {folder} --port 8000   (model name: {folder})")
