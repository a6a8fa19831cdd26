"""The driver with real worker processes on the tiny preset: schedule, records, and sides that fail."""

from __future__ import annotations

import datetime
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

from vlmhyperbench.ab.driver import (
    MAX_AUTO_BLOCKS,
    MIN_AUTO_BLOCKS,
    PATTERNS,
    WorkerProcess,
    block_patterns,
    blocks_for_noise,
    run_ab,
)
from vlmhyperbench.ab.sides import Settings, Side
from vlmhyperbench.ab.stats import precise_enough, target_half_width
from vlmhyperbench.env.info import portable_path
from vlmhyperbench.errors import UsageError

FAST = Settings(new_tokens=4)


def side(label: str, python: str = sys.executable, **settings: object) -> Side:
    return Side(label, python, "python", python, Settings(**{**vars(FAST), **settings}))


def test_block_orders_are_balanced_and_random() -> None:
    patterns = block_patterns(400, np.random.default_rng(0))
    assert set(patterns) == set(PATTERNS)
    assert 150 < patterns.count("ABBA") < 250


def test_auto_blocks_grow_with_noise() -> None:
    assert blocks_for_noise(0.001) == 10  # never below the minimum
    assert blocks_for_noise(0.08) > blocks_for_noise(0.05) > 10


def test_rounds_are_recorded_with_side_block_order_and_time() -> None:
    run = run_ab(side("A"), side("B", attn="eager"), blocks=3, warmup=1, seed=3)
    assert run.error is None
    assert [r.order for r in run.rounds] == list(range(1, 13))
    for block in (1, 2, 3):
        rounds = [r for r in run.rounds if r.block == block]
        assert "".join(r.side for r in rounds) == rounds[0].pattern in PATTERNS
        assert [r.position for r in rounds] == [1, 2, 3, 4]
    stamps = [datetime.datetime.fromisoformat(r.timestamp) for r in run.rounds]
    assert stamps == sorted(stamps)
    assert len(run.blocks()) == 3 and all(v is not None and v > 0 for v in run.values("A"))
    assert run.environments["A"]["executable"] == portable_path(sys.executable)  # no local layout
    assert run.sides["B"].settings.attn == "eager"


def test_auto_measures_until_the_interval_is_precise_and_says_so() -> None:
    # A 50 % change to resolve: a handful of blocks even on a loaded machine, whose pilot would otherwise
    # forecast more than MAX_AUTO_BLOCKS for 10 % and be refused.
    run = run_ab(side("A"), side("B"), blocks=None, warmup=1, seed=1, detect=0.5)
    assert run.error is None and run.pilot_noise is not None and run.blocks_planned is not None
    assert run.stopped in ("precise", "limit")
    complete = len(run.blocks())
    assert MIN_AUTO_BLOCKS <= complete <= MAX_AUTO_BLOCKS
    target = target_half_width(0.5, 0.05, 0.95)
    if run.stopped == "precise":  # and not a block earlier
        assert precise_enough(run.blocks(), target, 0.95, MIN_AUTO_BLOCKS)
        assert complete == MIN_AUTO_BLOCKS or not precise_enough(
            run.blocks()[:-1], target, 0.95, MIN_AUTO_BLOCKS
        )


def test_a_round_is_the_median_of_its_timed_calls() -> None:
    settings = Settings(new_tokens=4, calls=3, settle=1)
    worker = WorkerProcess(Side("A", sys.executable, "python", sys.executable, settings))
    try:
        assert worker.load()["environment"]["executable"]
        reply = worker.request({"op": "measure", "calls": 3, "settle": 1}, "a round", 600)
        assert reply["calls"] == 3 and reply["figures"]["decode_tokens_per_s"] > 0
        measured = worker.measure(0.0, "a round")["decode_tokens_per_s"]  # the side's calls and settle
        assert measured is not None and measured > 0
    finally:
        worker.close()
    with pytest.raises(UsageError, match="calls >= 1"):
        Settings(calls=0)
    with pytest.raises(UsageError, match="calls >= 1"):
        Settings().with_options(["settle=-1"], "--b-opt")


def test_a_side_without_vlmhyperbench_fails_to_start_with_one_line(tmp_path: Path) -> None:
    bare = "/usr/bin/python3"
    if not Path(bare).exists():
        pytest.skip("no system Python without vlmhyperbench here")
    run = run_ab(side("A"), side("B", python=bare), blocks=2, warmup=1)
    assert run.rounds == []
    assert run.error is not None and "\n" not in run.error
    assert "side B" in run.error and "loading the model" in run.error and "vlmhyperbench" in run.error


def test_a_side_that_dies_mid_way_keeps_the_rounds_before(tmp_path: Path) -> None:
    # An "interpreter" that passes the worker only its first 6 requests (load, 1 warm-up, 4 rounds), then
    # closes its input: the worker process exits part-way through the run.
    dying = tmp_path / "python"
    dying.write_text(f'#!/bin/sh\nsed -u 6q | exec {sys.executable} "$@"\n', encoding="utf-8")
    dying.chmod(dying.stat().st_mode | stat.S_IEXEC)
    run = run_ab(side("A"), side("B", python=str(dying)), blocks=6, warmup=1, seed=0)
    assert run.error is not None and "side B" in run.error and "exited" in run.error
    assert sum(r.side == "B" for r in run.rounds) == 4
    assert len(run.rounds) >= 4 and run.finished
    assert os.path.exists(sys.executable)
