"""Datasets in the VLMHyperBench format: reading, validation, the synthetic Russian set and prompts.

Nothing here needs torch, so `vlmhyperbench data check` and `data synth` work in any environment.
"""

from __future__ import annotations

from vlmhyperbench.data.annotation import ANNOTATION_FILE, COLUMNS, Dataset, Sample, write_annotation
from vlmhyperbench.data.prompts import PromptCollection, PromptError, load_prompts
from vlmhyperbench.data.synth import synthesize
from vlmhyperbench.data.validate import DatasetError, Problem, check_dataset, load_dataset

__all__ = [
    "ANNOTATION_FILE",
    "COLUMNS",
    "Dataset",
    "DatasetError",
    "Problem",
    "PromptCollection",
    "PromptError",
    "Sample",
    "check_dataset",
    "load_dataset",
    "load_prompts",
    "synthesize",
    "write_annotation",
]
