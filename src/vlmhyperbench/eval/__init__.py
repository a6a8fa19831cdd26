"""Quality evaluation: per-answer metrics, aggregation, and end-to-end runs.

`metrics` and `aggregate` need no torch; `vlmhyperbench.eval.run` imports the models/perf packages
(and so torch)
only when a run starts inference.
"""

from __future__ import annotations

from vlmhyperbench.eval.aggregate import AGGREGATORS, aggregate, score_answers, write_aggregations
from vlmhyperbench.eval.config import ConfigError, RunConfig, default_config, load_config
from vlmhyperbench.eval.metrics import METRICS, MetricSpec, get_metric, normalize_text, score
from vlmhyperbench.eval.run import RunError, RunResult, run_evaluation

__all__ = [
    "AGGREGATORS",
    "METRICS",
    "ConfigError",
    "MetricSpec",
    "RunConfig",
    "RunError",
    "RunResult",
    "aggregate",
    "default_config",
    "get_metric",
    "load_config",
    "normalize_text",
    "run_evaluation",
    "score",
    "score_answers",
    "write_aggregations",
]
