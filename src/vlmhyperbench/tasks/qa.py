"""Question answering, the default task: annotation.csv questions about document images, answered as text
and scored with the run's metrics (CER, WER, ANLS, ...) and aggregators (`answers_{aggregator}.csv`).

With `scoring: upstream` the tables are metric_evaluator 0.1.1's (`eval.upstream`, quirks included),
written under the same names. An engine that reads only the answer region (`needs_bbox`, e.g. tesseract)
answers the rows that have an answer_bbox; the rest are counted in the summary, never scored as empty.
Everything else a run does (folder, resume, engine loop, summary.json) is the pipeline's (`runs`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from vlmhyperbench.data import ANNOTATION_FILE, Dataset, Sample, load_dataset
from vlmhyperbench.data.fingerprint import changes, fingerprint
from vlmhyperbench.data.prompts import load_prompts
from vlmhyperbench.engines import Query
from vlmhyperbench.eval.aggregate import (
    AGGREGATORS,
    Row,
    aggregate,
    general,
    score_answers,
    write_aggregations,
)
from vlmhyperbench.eval.config import RunConfig
from vlmhyperbench.runs import Prepared, RunError, RunTask, Scored
from vlmhyperbench.tasks.base import QA


def _select(config: RunConfig, dataset: Dataset) -> list[Sample]:
    f = config.filters
    selected = dataset.filter(f.doc_class or None, f.question_type or None, f.split or None).samples
    if config.limit is not None:
        selected = selected[: config.limit]
    if not selected:
        raise RunError(
            f"no questions left after the filters {f.model_dump()} "
            f"(dataset has doc_class {dataset.values('doc_class')}, "
            f"question_type {dataset.values('question_type')}, "
            f"split {dataset.values('split')})"
        )
    return selected


def _prepare_dataset(config: RunConfig, out: Path) -> Dataset:
    if config.dataset is not None:
        return load_dataset(config.dataset, allow_absolute_paths=config.allow_absolute_paths)
    root = out / "dataset"
    if not (root / "annotation.csv").exists():
        from vlmhyperbench.data.synth import synthesize

        synthesize(  # the run's own folder: a half-made set from a failed start is overwritten
            root,
            n=config.synth.n,
            seed=config.synth.seed,
            doc_classes=config.synth.doc_class or None,
            force=True,
            degradation=config.synth.degrade,
        )
    return load_dataset(root)


def _region(sample: Sample) -> tuple[int, int, int, int] | None:
    """The answer's region for engines that read it; a malformed answer_bbox counts as none."""
    try:
        return sample.bbox
    except ValueError:
        return None


def _answerable(config: RunConfig, samples: list[Sample]) -> tuple[list[Sample], list[Sample]]:
    """The questions the engine can answer, and the rest: an engine that reads only the answer region
    (`needs_bbox`, e.g. tesseract) cannot answer a row without answer_bbox. Those rows are left out and
    counted in the summary, never scored as empty answers."""
    from vlmhyperbench.engines import ENGINES, engine_name

    if not ENGINES.get(engine_name(config.model)).needs_bbox:
        return samples, []
    kept = [s for s in samples if s.bbox is not None]
    if not kept:
        raise RunError(
            f"{config.model} reads each question's answer_bbox region, "
            f"and none of the {len(samples)} selected questions has one"
        )
    return kept, [s for s in samples if s.bbox is None]


class QuestionAnswering(RunTask):
    """annotation.csv questions, prompts per (doc class, question type), text metrics and aggregators."""

    name: ClassVar[str] = QA
    group_keys: ClassVar[tuple[str, ...]] = ("doc_class", "question_type", "split")

    def prepare(self, config: RunConfig, out: Path) -> Prepared:
        dataset = _prepare_dataset(config, out)
        samples, not_answerable = _answerable(config, _select(config, dataset))
        prompts = load_prompts(config.prompts)
        for sample in samples:  # a missing prompt or an empty question fails here, before any model loads
            prompts.render(sample, fallback=config.prompt_fallback)
        return Prepared(
            root=dataset.root,
            items=samples,
            fingerprint=fingerprint(dataset, samples),
            pages=len({s.image_path for s in samples}),
            counted=f"{len(samples)} questions",
            prompts={"source": prompts.source, "system": prompts.system},
            data=(dataset, prompts),
            not_answerable=len(not_answerable),
        )

    def dataset_changes(self, before: dict[str, Any], now: dict[str, Any], answered: set[str]) -> str:
        return "; ".join(changes(before, now, answered))

    def queries(self, prepared: Prepared, items: list[Any]) -> list[Query]:
        dataset, prompts = prepared.data
        return [Query(dataset.load_image(s), prompts.user_text(s), _region(s)) for s in items]

    def score_run(
        self, prepared: Prepared, config: RunConfig, answers: Mapping[str, str], answers_file: Path
    ) -> Scored:
        from vlmhyperbench.eval.metrics import METRICS

        samples = list(prepared.items)
        rows = score_answers(samples, dict(answers), config.metrics, yo_to_e=config.yo_to_e)
        tables = aggregate(rows, config.metrics, config.aggregators, yo_to_e=config.yo_to_e)
        if config.scoring == "upstream":
            written, scoring = _score_upstream(config, prepared.data[0], answers_file)
        else:
            written, scoring = write_aggregations(answers_file, tables), {"profile": config.scoring}
        found = general(rows, config.metrics, yo_to_e=config.yo_to_e)
        return Scored(
            rows=rows,
            tables=tables,
            files={f"answers_{k}": v for k, v in written.items()},
            metrics={
                name: {
                    "higher_is_better": METRICS.get(name).higher_is_better,
                    "description": METRICS.get(name).description,
                }
                for name in config.metrics
            },
            general=dict(found[0]) if found else {"count": 0},
            by_doc_type=tables.get("by_doc_type") or AGGREGATORS.get("by_doc_type")(rows, config.metrics),
            by_doc_question=tables.get("by_doc_question")
            or AGGREGATORS.get("by_doc_question")(rows, config.metrics),
            extra={"scoring": scoring},
        )

    def metric_names(self, config: RunConfig) -> list[str]:
        return list(config.metrics)

    def score_items(
        self, prepared: Prepared, config: RunConfig, items: Sequence[Any], answers: Mapping[str, str]
    ) -> list[Row]:
        return score_answers(items, answers, config.metrics, yo_to_e=config.yo_to_e)

    def orphan_answers_note(self, answers_file: Path) -> str:
        return f"; score it with `vlmhyperbench score {answers_file} --dataset DIR` instead"


def _score_upstream(
    config: RunConfig, dataset: Dataset, answers_file: Path
) -> tuple[dict[str, Path], dict[str, Any]]:
    """metric_evaluator 0.1.1's tables (`vlmhyperbench.eval.upstream`, quirks included) for the run's
    answers, written where upstream writes them, and their figures for summary.json's `scoring`.

    The run's metrics that upstream has (wer, cer, bleu) are scored; a run with none of them gets all three.
    Rows are keyed by our metric names, and each gets the `count` of answers in it (upstream's have none);
    BLEU stays on upstream's 0..100 scale.
    """
    from vlmhyperbench.eval.upstream import UPSTREAM_METRICS, score_upstream, write_upstream_tables

    names = [m.upper() for m in config.metrics if m.upper() in UPSTREAM_METRICS] or list(UPSTREAM_METRICS)
    result = score_upstream(dataset.root / ANNOTATION_FILE, answers_file, names)
    tables = {k: v for k, v in result.tables.items() if k in config.aggregators}
    files = write_upstream_tables(answers_file, tables, answers_file.parent)
    per_class = Counter(str(r["doc_class"]) for r in result.tables["by_id"])
    general = result.tables["general"]
    return files, {
        "profile": "upstream",
        "metrics": {name.lower(): {"higher_is_better": name == "BLEU"} for name in names},
        "general": {**_by_metric(general[0]), "count": result.answered} if general else {"count": 0},
        "by_doc_type": [
            {**_by_metric(row), "count": per_class[str(row["doc_class"])]}
            for row in result.tables["by_doc_type"]
        ],
    }


# upstream's column -> our metric name (BLEU is `bleu_score` per row and overall, `bleu_error` per group)
UPSTREAM_COLUMNS = {"wer_error": "wer", "cer_error": "cer", "bleu_score": "bleu", "bleu_error": "bleu"}


def _by_metric(row: dict[str, object]) -> dict[str, object]:
    """An upstream table row keyed like ours (`wer`, `cer`, `bleu`), so one results table shows both."""
    return {UPSTREAM_COLUMNS.get(k, k): v for k, v in row.items()}
