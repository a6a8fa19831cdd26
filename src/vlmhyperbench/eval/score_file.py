"""Score a ready answers file against a dataset, without a model: `vlmhyperbench score`.

The answers file is only read, never written (a repair of a cut-off last line is the run's business, not the
scorer's); an empty one, or one with no answer in it, is refused rather than "scored 0 answers". The tables
never go into the dataset folder, and never replace a file that is already there unless `--force` is given
(a user's own `answers_by_id.csv` beside the answers is theirs).

Ids present in both are scored; the result says how many dataset questions have no answer (and the first
few ids) and which answer ids the dataset does not have, so a partial file is visible rather than
silently scored as if complete. Two profiles (`SCORING_PROFILES`):

- `default`: our normalisation and group figures (`vlmhyperbench.eval.metrics`), tables
  `{stem}_{aggregator}.csv`;
- `upstream`: metric_evaluator 0.1.1's numbers and files (`vlmhyperbench.eval.upstream`), ids are row
  positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vlmhyperbench.errors import DataError, UsageError
from vlmhyperbench.eval.upstream import SCORING_PROFILES

SHOWN_IDS = 5


@dataclass
class ScoreReport:
    """What `score_answers_file` found and wrote."""

    profile: str
    questions: int
    scored: int
    missing: list[str]
    extra: list[str]
    general: dict[str, object]
    files: dict[str, Path] = field(default_factory=dict)

    def missing_line(self) -> str:
        if not self.missing:
            return "every dataset question has an answer"
        shown = ", ".join(self.missing[:SHOWN_IDS])
        more = f", ... ({len(self.missing) - SHOWN_IDS} more)" if len(self.missing) > SHOWN_IDS else ""
        return f"{len(self.missing)} of {self.questions} dataset questions have no answer: {shown}{more}"


def score_answers_file(
    answers_file: str | Path,
    dataset: str | Path,
    out: str | Path | None = None,
    *,
    profile: str = "default",
    metrics: Sequence[str] | None = None,
    yo_to_e: bool = False,
    allow_absolute_paths: bool = False,
    force: bool = False,
) -> ScoreReport:
    """Score `answers_file` against the dataset folder; tables go to `out` (default: the answers' folder);
    `force` lets them replace files of the same names.

    `allow_absolute_paths` accepts absolute `image_path` values (the upstream profile reads no paths).
    """
    answers_file, dataset = Path(answers_file), Path(dataset)
    out_dir = Path(out) if out is not None else answers_file.parent
    if profile not in SCORING_PROFILES:
        raise UsageError(f"Unknown scoring profile {profile!r}. Available: {', '.join(SCORING_PROFILES)}")
    _check_places(answers_file, dataset, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if profile == "upstream":
        report = _score_upstream(answers_file, dataset, out_dir, metrics, force)
    else:
        report = _score_default(answers_file, dataset, out_dir, metrics, yo_to_e, allow_absolute_paths, force)
    return report


def _check_places(answers_file: Path, dataset: Path, out_dir: Path) -> None:
    """An answers file with answers in it; tables that do not land in the dataset folder."""
    if answers_file.is_file() and answers_file.stat().st_size == 0:
        raise DataError(f"{answers_file} is empty: expected a header `id;model_answer` and one answer a line")
    folder = dataset if dataset.is_dir() else dataset.parent
    if out_dir.resolve().is_relative_to(folder.resolve()):
        raise UsageError(
            f"--out {out_dir} is inside the dataset folder {folder}: the tables go elsewhere "
            "(a dataset is only read); pass another --out"
        )


def _refuse_overwrite(paths: Sequence[Path], force: bool) -> None:
    taken = [p for p in paths if p.exists()]
    if taken and not force:
        raise UsageError(
            f"{taken[0]} already exists ({len(taken)} of the tables would replace a file): "
            "pass another --out, or --force to replace them"
        )


def _refuse_no_answers(answers_file: Path, scored: int, questions: int) -> None:
    if scored == 0:
        raise DataError(f"{answers_file} holds no answer to any of the {questions} dataset questions")


def _score_default(
    answers_file: Path,
    dataset: Path,
    out_dir: Path,
    metrics: Sequence[str] | None,
    yo_to_e: bool,
    allow_absolute_paths: bool,
    force: bool,
) -> ScoreReport:
    from vlmhyperbench.data import load_dataset
    from vlmhyperbench.eval.aggregate import aggregate, score_answers, write_aggregations
    from vlmhyperbench.eval.metrics import METRICS, get_metric
    from vlmhyperbench.runs.answers import read_answers

    names = [get_metric(m).name for m in metrics] if metrics else METRICS.names()
    samples = load_dataset(dataset, check_images=False, allow_absolute_paths=allow_absolute_paths).samples
    answers = read_answers(answers_file)  # no repair: the user's file is only read
    ids = {s.id for s in samples}
    rows = score_answers(samples, answers, names, yo_to_e=yo_to_e)
    _refuse_no_answers(answers_file, len(rows), len(samples))
    tables = aggregate(rows, names, yo_to_e=yo_to_e)
    _refuse_overwrite([out_dir / f"{answers_file.stem}_{name}.csv" for name in tables], force)
    files = write_aggregations(out_dir / answers_file.name, tables)
    return ScoreReport(
        profile="default",
        questions=len(samples),
        scored=len(rows),
        missing=[s.id for s in samples if s.id not in answers],
        extra=[i for i in answers if i not in ids],
        general=dict(tables["general"][0]) if tables["general"] else {"count": 0},
        files=files,
    )


def _score_upstream(
    answers_file: Path, dataset: Path, out_dir: Path, metrics: Sequence[str] | None, force: bool
) -> ScoreReport:
    from vlmhyperbench.data.annotation import ANNOTATION_FILE
    from vlmhyperbench.eval.upstream import score_upstream, write_upstream_tables

    annotation = dataset / ANNOTATION_FILE if dataset.is_dir() else dataset
    result = score_upstream(annotation, answers_file, metrics)
    answered = {int(str(row["id"])) for row in result.tables["by_id"]}
    _refuse_no_answers(answers_file, result.answered, result.questions)
    _refuse_overwrite([out_dir / f"{answers_file.stem}_{name}.csv" for name in result.tables], force)
    files = write_upstream_tables(answers_file, result.tables, out_dir)
    return ScoreReport(
        profile="upstream",
        questions=result.questions,
        scored=result.answered,
        missing=[str(i) for i in range(result.questions) if i not in answered],
        extra=[str(i) for i in result.unknown_ids],
        general=result.tables["general"][0] if result.tables["general"] else {},
        files=files,
    )
