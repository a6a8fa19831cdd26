"""Side-by-side A/B: two environments, revisions or settings measured in interleaved ABBA blocks.

    vlmhyperbench ab 3.12-cu128-prod 3.12-cu128-dev          # two matrix cells (their nox venvs)
    vlmhyperbench ab v0.1.0 HEAD                              # two revisions, each built by uv once
    vlmhyperbench ab . . --a-opt attn=eager --b-opt attn=sdpa # two settings of the same model
    vlmhyperbench ab calibrate . /path/to/other/venv          # false alarms and detections of ab here

One worker process per side (`worker.py`, run by path so that releases without this package work too)
keeps the model loaded; the driver (`driver.py`) measures warm-up rounds, then blocks of four rounds in a
random balanced order; the statistics (`stats.py`) pair the sides within each block so that slow drift of
the machine cancels; `report.py` stores the rounds and renders `compare`'s report. Needs no torch in this
process: the workers measure.
"""

from __future__ import annotations

from vlmhyperbench.ab.driver import ABRun, Round, run_ab
from vlmhyperbench.ab.report import build_comparison, save_run
from vlmhyperbench.ab.sides import Settings, Side, SideFailed, resolve_side
from vlmhyperbench.ab.stats import paired_block_ratio

__all__ = [
    "ABRun",
    "Round",
    "Settings",
    "Side",
    "SideFailed",
    "build_comparison",
    "paired_block_ratio",
    "resolve_side",
    "run_ab",
    "save_run",
]
