"""Real runs for the tests: a tiny offline model on CPU, no progress bar, no report.

The run tests (tests/eval/test_run.py) and the fault catalogue (tests/faults/test_run_folder.py) build the
same small config; one place keeps them from drifting apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlmhyperbench.eval.config import Generation, RunConfig
from vlmhyperbench.evaluate import run_evaluation
from vlmhyperbench.runs import RunResult


def tiny_config(
    model: str | Path, dataset: Path, out: Path, *, batch_size: int, max_new_tokens: int, **changes: object
) -> RunConfig:
    """A CPU run at 112 px, `changes` applied on top (limit, seed, ...)."""
    base = RunConfig(
        model=str(model),
        dataset=dataset,
        out=out,
        batch_size=batch_size,
        image_size=112,
        device="cpu",
        generation=Generation(max_new_tokens=max_new_tokens),
    )
    return base.model_copy(update=changes)


def run_quietly(config: RunConfig, **kwargs: Any) -> RunResult:
    """`run_evaluation` without the progress bar and the HTML report, which these tests do not read."""
    return run_evaluation(config, show_progress=False, report=False, **kwargs)
