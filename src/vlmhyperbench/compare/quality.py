"""The quality regression gate: did a model, prompt or setting change make the answers worse?

Two quality runs (folders written by `vlmhyperbench run`) that answered the same questions are compared
per metric and per group (all questions, each doc class, each question type): the change of the mean score,
current - baseline, in the metric's own units, with a confidence interval over questions, a verdict, and a
gate that fails (exit 1) when a metric is significantly worse by more than the threshold.

    vlmhyperbench compare results/run-a results/run-b            # baseline run, current run
    vlmhyperbench compare results/run-b --baseline quality       # against baseline:quality
    vlmhyperbench compare results/run-b --save-baseline quality  # gate, then store it as the baseline
    vlmhyperbench compare results --baseline quality             # a folder of runs: its newest run
    nox -s quality-gate                                          # the newest run in results/ vs baseline

**Why this statistic.** The runs are paired: both scored the same questions, so the change is judged on the
per-question differences, which removes the large question-to-question spread (an easy INN number vs a
long address) that two independent samples would carry.

- The p-value is the *sign-flip permutation test* of the mean difference (`scipy.stats.permutation_test`,
  `permutation_type="samples"`). Under "no change" (an A/A comparison) the two answers of a question are
  exchangeable, so flipping the sign of its difference is equally likely; the test is exact at any group
  size (every flip enumerated up to 2**n <= 9 999, a seeded sample beyond), handles the 0/1 and tied scores
  of exact match and CER (unchanged questions add zero), and tests the *mean*, the number the report shows.
  Wilcoxon's signed-rank test was not chosen: it drops or mid-ranks the many zero differences and tests a
  median-type shift, not the mean.
- The interval is the *paired bootstrap* of the mean difference (`scipy.stats.bootstrap`, `paired=True`,
  BCa, percentile where BCa is undefined), seeded, so the same two runs always give the same numbers. It
  shows how big the change may be; the verdict comes from the test.
- One gate asks many questions (metrics x groups). The p-values are adjusted with Benjamini-Hochberg
  (`scipy.stats.false_discovery_control`) in two families: the all-questions rows (one per metric), and the
  group rows; when nothing changed (every null true) each family keeps the chance of any false alarm near
  1 - confidence (measured: `quality_calibrate.py`). A row is significant when its adjusted p is below
  1 - confidence. With n questions in a group the smallest exact p is 2/2**n, so tiny groups cannot fail.

The threshold is absolute, in metric units (0.02 = two points of CER, ANLS or exact match), because
relative changes of a CER near 0 are meaningless. Directions come from the run's summary.json, which
records each metric's (`eval.metrics` for question answering: CER/WER lower is better, ANLS/BLEU/exact
match higher; a task's own `metrics` for classification, sorting, ...). Every metric with a per-item column
in answers_by_id.csv is gated, for any task; one without (a classification's F1 over classes) is named in
the comparison's warnings.

Runs are read by `load_quality_run` alone (summary.json + answers_by_id.csv), so that one function is what
changes when the typed results store lands. Quality baselines are copies of those files in
`<results root>/baselines/NAME/`, next to the speed gate's `NAME.json` baselines.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmhyperbench.compare.comparison import DEFAULT_CONFIDENCE, Verdict
from vlmhyperbench.compare.stats import QUALITY_SEED, PairedChange, adjust_p_values, paired_change
from vlmhyperbench.compare.storage import BASELINE_PREFIX
from vlmhyperbench.errors import ResultError

DEFAULT_QUALITY_THRESHOLD = 0.02
SUMMARY_FILE = "summary.json"
SCORES_FILE = "answers_by_id.csv"
RUN_FILE = "run.json"
BASELINE_FILES = (SUMMARY_FILE, SCORES_FILE, RUN_FILE)
GROUP_KEYS = ("doc_class", "question_type")  # question_type: question answering's; a task's rows lack it
ALL = "all questions"


class QualityError(ResultError):
    """Quality runs that cannot be read or compared; the message names the folder, file and row."""


@dataclass(frozen=True)
class Question:
    id: str
    doc_class: str
    question_type: str
    answer: str
    scores: dict[str, float]


@dataclass
class QualityRun:
    """One scored run: where it is, what answered, and each question's scores."""

    path: Path
    source: str
    model: str
    dataset: str
    higher_is_better: dict[str, bool]  # metric -> direction, from the metric registry
    questions: dict[str, Question]
    finished: str = ""
    label: str = ""
    ungated: list[str] = field(default_factory=list)  # metrics with no per-item scores (summary only)

    def describe(self) -> str:
        return f"{self.source} ({self.model})"


def run_from_rows(
    rows: list[dict[str, Any]], metrics: list[str], source: str, model: str = "", dataset: str = ""
) -> QualityRun:
    """A run held in memory: the rows `eval.aggregate.score_answers` returns (the calibration uses it)."""
    from vlmhyperbench.eval.metrics import METRICS

    questions = {
        str(r["id"]): Question(
            str(r["id"]), str(r["doc_class"]), str(r["question_type"]), str(r["answer"]),
            {m: float(r[m]) for m in metrics},
        )
        for r in rows
    }  # fmt: skip
    directions = {m: METRICS.get(m).higher_is_better for m in metrics}
    return QualityRun(Path(source), source, model or source, dataset, directions, questions)


def is_quality_run(path: str | Path) -> bool:
    """A folder that `vlmhyperbench run` finished: it holds summary.json and answers_by_id.csv."""
    folder = Path(path)
    return (folder / SUMMARY_FILE).is_file() and (folder / SCORES_FILE).is_file()


def load_quality_run(path: str | Path, source: str | None = None) -> QualityRun:
    """Read a run folder's summary.json and per-question scores (the only reader of run folders here)."""
    folder = Path(path)
    summary_path, scores_path = folder / SUMMARY_FILE, folder / SCORES_FILE
    if not is_quality_run(folder):
        raise QualityError(f"{folder} is not a quality run: it needs {SUMMARY_FILE} and {SCORES_FILE}")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        metrics = list(summary["metrics"])
        model = str(summary["config"]["model"])
        dataset = str(summary["dataset"]["path"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QualityError(f"{summary_path}: not a run summary ({type(exc).__name__}: {exc})") from None
    directions = _directions(summary_path, summary, metrics)
    questions: dict[str, Question] = {}
    with scores_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        columns = reader.fieldnames or []
        missing = [name for name in ("id", GROUP_KEYS[0], "answer") if name not in columns]
        if missing:
            raise QualityError(f"{scores_path}: row 1: missing column(s) {', '.join(missing)}")
        ungated = [name for name in metrics if name not in columns]
        metrics = [name for name in metrics if name in columns]
        for number, row in enumerate(reader, start=2):
            try:
                scores = {name: float(row[name]) for name in metrics}
            except (TypeError, ValueError):
                bad = next(n for n in metrics if not _is_float(row[n]))
                raise QualityError(
                    f"{scores_path}: row {number}: {bad} {row[bad]!r} is not a number"
                ) from None
            if row["id"] in questions:
                raise QualityError(f"{scores_path}: row {number}: duplicate id {row['id']!r}")
            questions[row["id"]] = Question(
                row["id"], row["doc_class"], row.get("question_type", ""), row["answer"], scores
            )
    if not metrics:
        raise QualityError(f"{scores_path}: no per-item scores of the metrics {', '.join(ungated)}")
    if not questions:
        raise QualityError(f"{scores_path}: no scored questions")
    finished = str((summary.get("run") or {}).get("finished") or "")
    gated = {name: directions[name] for name in metrics}
    run = QualityRun(folder, source or str(path), model, dataset, gated, questions, finished)
    run.ungated = ungated
    return run


def _directions(path: Path, summary: dict[str, Any], metrics: list[str]) -> dict[str, bool]:
    """Each metric's direction as summary.json records it (the task's own metrics included)."""
    directions: dict[str, bool] = {}
    for name in metrics:
        found = summary["metrics"][name]
        if not isinstance(found, dict) or not isinstance(found.get("higher_is_better"), bool):
            raise QualityError(f"{path}: metrics.{name}: no higher_is_better (true or false)")
        directions[name] = found["higher_is_better"]
    return directions


def _is_float(text: Any) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


# --- storage: baselines and the newest run -----------------------------------------------------------


def quality_baseline_path(name: str, root: Path) -> Path:
    """`<root>/baselines/NAME/`: the folder beside the speed gate's `NAME.json`."""
    from vlmhyperbench.results import ResultStore

    return ResultStore(root).baseline_path(name).with_suffix("")


def is_quality_address(address: str, root: Path) -> bool:
    """A run folder, or `baseline:NAME` saved by the quality gate."""
    if address.startswith(BASELINE_PREFIX):
        name = address[len(BASELINE_PREFIX) :]
        try:
            return is_quality_run(quality_baseline_path(name, root))
        except ResultError:  # not a valid baseline name: not ours to judge
            return False
    folder = Path(address)
    return folder.is_dir() and (is_quality_run(folder) or any(is_quality_run(c) for c in folder.iterdir()))


def resolve_quality(address: str, root: Path) -> QualityRun:
    """A run folder, a folder of runs (its newest), or `baseline:NAME` (in `<root>/baselines/NAME/`)."""
    if address.startswith(BASELINE_PREFIX):
        name = address[len(BASELINE_PREFIX) :]
        folder = quality_baseline_path(name, root)
        if not is_quality_run(folder):
            have = ", ".join(sorted(p.name for p in folder.parent.glob("*") if is_quality_run(p))) or "none"
            raise QualityError(f"no quality baseline {name!r} in {folder.parent} (quality baselines: {have})")
        return load_quality_run(folder, source=address)
    run = newest_run(address)
    return load_quality_run(run, source=address if run == Path(address) else str(run))


def plan_quality_gate(
    addresses: list[str], root: Path, baseline: str | None = None, fallback: bool = False
) -> tuple[QualityRun | None, list[QualityRun]]:
    """(reference, runs) for `compare` on quality runs: the first of several runs is the reference; one run
    is compared with baseline `baseline`, or with nothing (None) when it is not saved yet and `fallback`."""
    from vlmhyperbench.errors import UsageError

    runs = [resolve_quality(address, root) for address in addresses]
    if len(runs) > 1:
        if baseline:
            raise UsageError("--baseline is for a single input; pass baseline:NAME as an input")
        return runs[0], runs[1:]
    if not baseline:
        raise UsageError("one quality run: give --baseline NAME or a second run to compare it with")
    try:
        return resolve_quality(f"baseline:{baseline}", root), runs
    except QualityError:
        if not fallback:
            raise
        return None, runs


def save_quality_baseline(run: QualityRun, name: str, root: Path) -> Path:
    """Copy the run's summary.json, answers_by_id.csv and run.json into `<root>/baselines/NAME/`."""
    target = quality_baseline_path(name, root)
    if run.path.resolve() == target.resolve():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for file in BASELINE_FILES:
        if (run.path / file).is_file():
            shutil.copyfile(run.path / file, target / file)
    return target


def newest_run(folder: str | Path) -> Path:
    """The quality run in `folder` (or `folder` itself) that finished last."""
    folder = Path(folder)
    if is_quality_run(folder):
        return folder
    runs = [child for child in folder.iterdir() if is_quality_run(child)] if folder.is_dir() else []
    if not runs:
        raise QualityError(f"no quality run (a folder with {SUMMARY_FILE} and {SCORES_FILE}) in {folder}")

    def finished(run: Path) -> tuple[str, str]:
        try:
            stamp = json.loads((run / SUMMARY_FILE).read_text(encoding="utf-8"))["run"]["finished"]
        except (OSError, ValueError, KeyError, TypeError):
            stamp = ""
        return str(stamp), run.name

    return max(runs, key=finished)


# --- the comparison ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityDelta:
    """One metric in one group of one compared run, against the reference run."""

    column: str
    metric: str
    group: str  # "all questions", "doc_class=snils", "question_type=inn"
    higher_is_better: bool
    estimate: PairedChange
    q_value: float  # the Benjamini-Hochberg adjusted p-value
    verdict: Verdict
    worse_by: float  # how much worse than the reference, in metric units (negative: better)
    failed: bool


@dataclass
class QualityComparison:
    threshold: float
    confidence: float
    reference: QualityRun
    others: list[QualityRun]
    deltas: list[QualityDelta] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[QualityDelta]:
        return [delta for delta in self.deltas if delta.failed]

    @property
    def failed(self) -> bool:
        return bool(self.regressions)

    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        def run_info(run: QualityRun) -> dict[str, Any]:
            return {
                "label": run.label,
                "source": run.source,
                "path": str(run.path),
                "model": run.model,
                "dataset": run.dataset,
                "finished": run.finished,
                "questions": len(run.questions),
            }

        return {
            "kind": "quality",
            "threshold": self.threshold,
            "confidence": self.confidence,
            "method": "paired: sign-flip permutation test (Benjamini-Hochberg adjusted), "
            f"paired bootstrap BCa interval, seed {QUALITY_SEED}",
            "reference": run_info(self.reference),
            "others": [run_info(other) for other in self.others],
            "rows": [
                {
                    "column": d.column,
                    "metric": d.metric,
                    "group": d.group,
                    "higher_is_better": d.higher_is_better,
                    "questions": d.estimate.n,
                    "changed_questions": d.estimate.n_changed,
                    "baseline": d.estimate.baseline_mean,
                    "current": d.estimate.current_mean,
                    "change": d.estimate.change,
                    "ci_low": d.estimate.low,
                    "ci_high": d.estimate.high,
                    "p_value": d.estimate.p_value,
                    "q_value": d.q_value,
                    "verdict": d.verdict.value,
                    "worse_by": d.worse_by,
                    "failed": d.failed,
                }
                for d in self.deltas
            ],
            "warnings": self.warnings,
            "failed": self.failed,
            "exit_code": self.exit_code(),
        }


def check_same_dataset(reference: QualityRun, other: QualityRun) -> None:
    """Same questions with the same reference answers, else one line saying where they differ."""
    ours, theirs = set(reference.questions), set(other.questions)
    where = f"{reference.source} and {other.source} are on different datasets"
    if ours != theirs:
        only_ref, only_other = sorted(ours - theirs), sorted(theirs - ours)
        parts = []
        if only_ref:
            parts.append(f"{len(only_ref)} question(s) only in {reference.source}, e.g. {only_ref[0]!r}")
        if only_other:
            parts.append(f"{len(only_other)} question(s) only in {other.source}, e.g. {only_other[0]!r}")
        raise QualityError(f"{where}: {'; '.join(parts)}")
    for key in sorted(ours):
        a, b = reference.questions[key], other.questions[key]
        if (a.answer, a.doc_class, a.question_type) != (b.answer, b.doc_class, b.question_type):
            raise QualityError(f"{where}: question {key!r} has reference answer {a.answer!r} vs {b.answer!r}")


def groups(run: QualityRun) -> list[tuple[str, list[str]]]:
    """(group name, question ids): all questions, then each doc class, then each question type."""
    found: list[tuple[str, list[str]]] = [(ALL, list(run.questions))]
    for key in GROUP_KEYS:
        if not any(getattr(q, key) for q in run.questions.values()):  # a task's rows have no question type
            continue
        members: dict[str, list[str]] = {}
        for question in run.questions.values():
            members.setdefault(getattr(question, key), []).append(question.id)
        found += [(f"{key}={value}", ids) for value, ids in members.items()]
    return found


def _adjust_by_family(estimates: list[tuple[str, str, PairedChange]]) -> list[float]:
    """Benjamini-Hochberg within two families: the all-questions rows (one per metric), and the group rows.

    The all-questions rows answer the gate's main question; adjusting them together with the dozens of
    small-group rows would bury a real overall loss (Tesseract on `scan` vs clean pages: exact match -0.105,
    raw p 0.03, adjusted over 105 rows: 1).
    """
    q_values = [1.0] * len(estimates)
    for primary in (True, False):
        members = [i for i, (_, group, _) in enumerate(estimates) if (group == ALL) == primary]
        for i, q in zip(members, adjust_p_values([estimates[i][2].p_value for i in members]), strict=True):
            q_values[i] = q
    return q_values


def _assign_labels(runs: list[QualityRun]) -> None:
    names = [run.path.name if not run.source.startswith(BASELINE_PREFIX) else run.source for run in runs]
    for index, (run, name) in enumerate(zip(runs, names, strict=True)):
        run.label = name if names.count(name) == 1 else f"{name} #{index + 1}"


def compare_quality(
    reference: QualityRun,
    others: list[QualityRun],
    threshold: float = DEFAULT_QUALITY_THRESHOLD,
    confidence: float = DEFAULT_CONFIDENCE,
    metrics: list[str] | None = None,
    seed: int = QUALITY_SEED,
    intervals: bool = True,
) -> QualityComparison:
    """Each other run against `reference`, per metric and group; QualityError for different datasets."""
    if not others:
        raise ValueError("nothing to compare the reference run with")
    if threshold < 0:
        raise ValueError(f"threshold must be >= 0, got {threshold}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    for other in others:
        check_same_dataset(reference, other)
    _assign_labels([reference, *others])
    comparison = QualityComparison(threshold, confidence, reference, others)
    for run in (reference, *others):
        if run.ungated:
            comparison.warnings.append(
                f"{run.label}: metric(s) {', '.join(run.ungated)} have no per-item scores: not gated"
            )
    for other in others:
        shared = [m for m in reference.higher_is_better if m in other.higher_is_better]
        names = [m for m in (metrics or shared) if m in shared]
        if metrics and len(names) < len(metrics):
            absent = [m for m in metrics if m not in shared]
            raise QualityError(f"metric(s) {', '.join(absent)} not scored in both runs (both have {shared})")
        skipped = sorted(set(reference.higher_is_better) ^ set(other.higher_is_better))
        if skipped:
            comparison.warnings.append(f"{other.label}: metric(s) {', '.join(skipped)} not in both runs")
        estimates: list[tuple[str, str, PairedChange]] = []
        for group, ids in groups(reference):
            for metric in names:
                base = [reference.questions[i].scores[metric] for i in ids]
                cur = [other.questions[i].scores[metric] for i in ids]
                estimates.append(
                    (metric, group, paired_change(base, cur, confidence, seed, interval=intervals))
                )
        q_values = _adjust_by_family(estimates)
        for (metric, group, est), q in zip(estimates, q_values, strict=True):
            up = reference.higher_is_better[metric]
            worse_by = -est.change if up else est.change
            significant = q < 1.0 - confidence
            if not significant or est.change == 0:
                verdict = Verdict.UNCHANGED
            else:
                verdict = Verdict.WORSE if worse_by > 0 else Verdict.BETTER
            failed = verdict is Verdict.WORSE and worse_by > threshold
            comparison.deltas.append(
                QualityDelta(other.label, metric, group, up, est, q, verdict, worse_by, failed)
            )
    return comparison
