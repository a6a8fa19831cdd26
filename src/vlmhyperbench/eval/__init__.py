"""Quality evaluation: per-answer metrics, aggregation, and end-to-end runs.

`metrics` and `aggregate` need no torch; `vlmhyperbench.eval.run` imports the models/perf packages
(and so torch)
only when a run starts inference.
"""

from __future__ import annotations

from vlmhyperbench.eval.aggregate import AGGREGATORS, aggregate, score_answers, write_aggregations
from vlmhyperbench.eval.metrics import METRICS, MetricSpec, get_metric, normalize_text, score

__all__ = [
    "AGGREGATORS",
    "METRICS",
    "MetricSpec",
    "aggregate",
    "get_metric",
    "normalize_text",
    "score",
    "score_answers",
    "write_aggregations",
]
