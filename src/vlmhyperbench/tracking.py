"""`--log-to mlflow|wandb`: a run's, bench's or compare's result logged to an experiment tracker.

What is logged is built from the result files the command has already written, never from its internal
state, so the tracker holds exactly what the folder holds:

- params: the settings (a run's config, a bench's cases, a comparison's inputs), flattened to `a.b` keys;
- metrics: every number of the summary (`general/anls`, `by_doc_type/passport/cer`,
  `speed/summary/tokens_per_s_mean`), of each speed benchmark (`<benchmark>/ttft_s_mean`,
  `<benchmark>/stats/median`) or of the comparison (`compare.json`), flattened to `a/b/c` keys;
- artifacts: the run folder, the speed record file, or the comparison's report files.

MLflow's tracking URI comes from `--tracking-uri` or `MLFLOW_TRACKING_URI` (a `sqlite:///path.db` store
works offline); W&B honours `WANDB_MODE=offline` and its other variables. Both clients are optional
extras (`pip install vlmhyperbench[mlflow]`, `[wandb]`), imported only when asked for.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmhyperbench.errors import EnvironmentProblem, UsageError

TARGETS = ("mlflow", "wandb")
DEFAULT_EXPERIMENT = "vlmhyperbench"
ROW_KEYS = ("doc_class", "question_type", "name", "figure", "cell")  # what names a row of a table
_UNSAFE = re.compile(r"[^\w.\- /]")  # MLflow's allowed characters in a key (W&B takes these too)
KEY_LIMIT = 250


@dataclass(frozen=True)
class Tracking:
    """Where results go: one or more trackers, MLflow's URI, the experiment (W&B: project) name."""

    targets: tuple[str, ...]
    uri: str | None = None
    experiment: str = DEFAULT_EXPERIMENT

    @classmethod
    def from_options(
        cls, log_to: Sequence[str] | None, uri: str | None = None, experiment: str | None = None
    ) -> Tracking | None:
        """None when nothing is to be logged; UsageError naming an unknown tracker."""
        targets = tuple(dict.fromkeys(t.strip() for v in log_to or () for t in v.split(",") if t.strip()))
        unknown = [t for t in targets if t not in TARGETS]
        if unknown:
            raise UsageError(f"--log-to {unknown[0]!r}: unknown tracker. Available: {', '.join(TARGETS)}")
        if not targets:
            return None
        return cls(targets, uri, experiment or DEFAULT_EXPERIMENT)


@dataclass(frozen=True)
class Logged:
    """One result as a tracker takes it."""

    name: str
    params: dict[str, str]
    metrics: dict[str, float]
    artifacts: list[Path] = field(default_factory=list)  # files and folders
    tags: dict[str, str] = field(default_factory=dict)


def _key(parts: Sequence[str], sep: str) -> str:
    return _UNSAFE.sub("_", sep.join(parts))[:KEY_LIMIT]


def _row_name(row: Mapping[str, Any], index: int) -> str:
    named = [str(row[k]) for k in ROW_KEYS if row.get(k) not in (None, "")]
    return "/".join(named) if named else str(index)


def flatten_metrics(data: Any, prefix: Sequence[str] = ()) -> dict[str, float]:
    """Every finite number in `data` under an `a/b/c` key; a list of rows is keyed by each row's name
    (doc_class, question_type, name...), booleans and text are left out."""
    found: dict[str, float] = {}
    if isinstance(data, bool) or data is None:
        return found
    if isinstance(data, int | float):
        if math.isfinite(data):
            found[_key(prefix, "/")] = float(data)
        return found
    if isinstance(data, Mapping):
        for k, v in data.items():
            if k not in ROW_KEYS:
                found.update(flatten_metrics(v, [*prefix, str(k)]))
        return found
    if isinstance(data, list):
        for i, v in enumerate(data):
            name = _row_name(v, i) if isinstance(v, Mapping) else str(i)
            found.update(flatten_metrics(v, [*prefix, name]))
    return found


def flatten_params(data: Any, prefix: Sequence[str] = ()) -> dict[str, str]:
    """Settings as `a.b` keys with text values (lists as JSON); MLflow keeps up to 6000 characters each."""
    if isinstance(data, Mapping):
        found: dict[str, str] = {}
        for k, v in data.items():
            found.update(flatten_params(v, [*prefix, str(k)]))
        return found
    text = json.dumps(data, ensure_ascii=False) if isinstance(data, list | tuple) else str(data)
    return {_key(prefix, "."): text[:6000]}


def run_result(out: Path) -> Logged:
    """A quality run's folder: its config, every figure of summary.json (scores and speed), the folder."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    speed = (summary.get("speed") or {}).get("summary") or {}
    figures = {
        "general": summary.get("general", {}),
        "by_doc_type": summary.get("by_doc_type", []),
        "by_doc_question": summary.get("by_doc_question", []),
        "speed": {"summary": speed},
        "run": {k: v for k, v in summary.get("run", {}).items() if k != "resumed"},
    }
    config = summary.get("config", {})
    return Logged(
        name=out.name,
        params=flatten_params(config),
        metrics=flatten_metrics(figures),
        artifacts=[out],
        tags={"vlmhyperbench.command": "run", "task": str(summary.get("task", "qa"))},
    )


def bench_result(record_path: Path) -> Logged:
    """A speed record: each benchmark's figures and latency statistics, its config as params, the file."""
    data = json.loads(record_path.read_text(encoding="utf-8"))
    metrics: dict[str, float] = {}
    params: dict[str, str] = {"cell": str(data.get("machine_info", {}).get("cell"))}
    for bench in data.get("benchmarks", []):
        extra = bench.get("extra_info", {})
        stats = {k: v for k, v in bench.get("stats", {}).items() if k != "data"}
        metrics.update(
            flatten_metrics({"metrics": extra.get("metrics", {}), "stats": stats}, [bench["name"]])
        )
        params.update(flatten_params(extra.get("config", {}), [bench["name"]]))
    return Logged(record_path.stem, params, metrics, [record_path], {"vlmhyperbench.command": "bench"})


def compare_result(report: Path, files: Sequence[Path], inputs: Sequence[str]) -> Logged:
    """A comparison: every number of its JSON report, its inputs as params, its report files."""
    data = json.loads(report.read_text(encoding="utf-8"))
    params = {"inputs": json.dumps(list(inputs), ensure_ascii=False)}
    return Logged(
        report.parent.name, params, flatten_metrics(data), list(files), {"vlmhyperbench.command": "compare"}
    )


def _import(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        raise EnvironmentProblem(
            f"--log-to {name}: the {name} client is not installed (pip install 'vlmhyperbench[{name}]')"
        ) from None


def _log_mlflow(tracking: Tracking, logged: Logged) -> str:
    mlflow = _import("mlflow")
    if tracking.uri:
        mlflow.set_tracking_uri(tracking.uri)
    mlflow.set_experiment(tracking.experiment)
    with mlflow.start_run(run_name=logged.name, tags=logged.tags) as run:
        items = list(logged.params.items())
        for start in range(0, len(items), 100):  # MLflow takes at most 100 params per call
            mlflow.log_params(dict(items[start : start + 100]))
        mlflow.log_metrics(logged.metrics)
        for path in logged.artifacts:
            if path.is_dir():
                mlflow.log_artifacts(str(path), artifact_path=path.name)
            else:
                mlflow.log_artifact(str(path))
        run_id = run.info.run_id
    return f"mlflow run {run_id} in experiment {tracking.experiment!r} at {mlflow.get_tracking_uri()}"


def _log_wandb(tracking: Tracking, logged: Logged) -> str:
    wandb = _import("wandb")
    run = wandb.init(
        project=tracking.experiment, name=logged.name, config=logged.params, tags=list(logged.tags.values())
    )
    try:
        run.summary.update(logged.metrics)
        artifact = wandb.Artifact(
            _key([logged.name], "-").replace("/", "-") or "result", type="vlmhyperbench"
        )
        for path in logged.artifacts:
            if path.is_dir():
                artifact.add_dir(str(path), name=path.name)
            else:
                artifact.add_file(str(path))
        run.log_artifact(artifact)
        where = f"wandb run {run.id} in project {tracking.experiment!r}"
    finally:
        run.finish()
    return where


def log(tracking: Tracking, logged: Logged) -> list[str]:
    """Send `logged` to every tracker; a line per tracker saying where it went."""
    senders = {"mlflow": _log_mlflow, "wandb": _log_wandb}
    return [senders[target](tracking, logged) for target in tracking.targets]
