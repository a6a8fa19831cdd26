"""Quality scoring: per-answer metrics, aggregation tables, upstream's scoring profile and the run config.

Nothing here needs torch. A run itself is `vlmhyperbench.evaluate.run_evaluation` (the pipeline is
`vlmhyperbench.runs`, question answering `vlmhyperbench.tasks.qa`).
"""

from __future__ import annotations

from vlmhyperbench.eval.aggregate import AGGREGATORS, aggregate, score_answers, write_aggregations
from vlmhyperbench.eval.config import ConfigError, RunConfig, default_config, load_config
from vlmhyperbench.eval.metrics import METRICS, MetricSpec, get_metric, normalize_text, score

__all__ = [
    "AGGREGATORS",
    "METRICS",
    "ConfigError",
    "MetricSpec",
    "RunConfig",
    "aggregate",
    "default_config",
    "get_metric",
    "load_config",
    "normalize_text",
    "score",
    "score_answers",
    "write_aggregations",
]
