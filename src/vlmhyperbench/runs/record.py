"""`run.json` and what `--resume` is checked against: the same task, the same settings, only ids of this
selection, and the summary an earlier session wrote."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.errors import RunStateError
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.runs.files import ANSWERS_FILE, RUN_FILE, SUMMARY_FILE

if TYPE_CHECKING:
    from vlmhyperbench.results import RunSummary

# settings that change the answers: a resumed run must use the same ones (scoring, allow_absolute_paths and
# trust_remote_code may differ: they change how the answers are scored or whether files load, not the answers)
RESUME_KEYS = (
    "model",
    "dataset",
    "columns",
    "synth",
    "prompts",
    "filters",
    "limit",
    "generation",
    "device",
    "dtype",
    "attn_implementation",
    "image_size",
    "seed",
    "batch_size",
)


class RunError(RunStateError):
    """The run cannot start or continue; the message says what to change."""


def check_resume(config: RunConfig, out: Path, has_answers: bool, resume: bool) -> None:
    """Refuse to mix runs: answers already there need --resume, and a resume needs the same settings."""
    run_file = out / RUN_FILE
    if has_answers and not resume:
        raise RunError(
            f"{out / ANSWERS_FILE} already exists: "
            "pass --resume to continue that run, or choose another --out"
        )
    if has_answers and run_file.exists():
        before = json.loads(run_file.read_text(encoding="utf-8"))["config"]
        now = config.model_dump(mode="json")
        changed = [k for k in RESUME_KEYS if before.get(k) != now.get(k)]
        if changed:
            details = ", ".join(f"{k}: {before.get(k)!r} -> {now.get(k)!r}" for k in changed)
            raise RunError(f"cannot resume {out}: settings changed since it started ({details})")


def check_same_task(config: RunConfig, out: Path) -> None:
    """A resume continues the task it started with (a run.json without `task` is question answering)."""
    run_file = out / RUN_FILE
    if (out / ANSWERS_FILE).exists() and run_file.exists():
        before = json.loads(run_file.read_text(encoding="utf-8"))["config"].get("task", "qa")
        if before != config.task:
            raise RunError(f"cannot resume {out}: it is a {before} run, not {config.task}")


def recorded_fingerprint(out: Path) -> dict[str, Any] | None:
    """The dataset fingerprint run.json recorded (None: no run.json, or a run from before fingerprints)."""
    run_file = out / RUN_FILE
    if not run_file.exists():
        return None
    found: dict[str, Any] | None = json.loads(run_file.read_text(encoding="utf-8")).get("fingerprint")
    return found


def record_run(out: Path, config: RunConfig, dataset_root: Path, prints: dict[str, Any]) -> None:
    """run.json: the settings, the dataset and its fingerprint, what a later `--resume` is checked against."""
    record = {"config": config.model_dump(mode="json"), "dataset": str(dataset_root), "fingerprint": prints}
    write_text_atomic(out / RUN_FILE, json.dumps(record, indent=2, ensure_ascii=False))


def check_no_stray_answers(answers_file: Path, done: Iterable[str], wanted: set[str]) -> None:
    """A resumed answers file holds only ids of this selection (another filter or dataset would mix runs)."""
    stray = [i for i in done if i not in wanted]
    if stray:
        raise RunError(f"{answers_file} has answers for ids not in this selection, e.g. {stray[0]!r}")


def previous_summary(out: Path) -> RunSummary | None:
    """The summary an earlier session of this run wrote (None: none, or one that does not parse)."""
    from vlmhyperbench.results import ResultError, load_run_summary

    path = out / SUMMARY_FILE
    if path.exists():
        try:
            return load_run_summary(path)
        except ResultError:
            return None
    return None
