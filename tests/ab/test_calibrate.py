"""Calibration of `ab` across two environments: false alarms <= 5 %, a 10 % slowdown caught >= 95 %."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from vlmhyperbench.ab.build import default_extra
from vlmhyperbench.ab.calibrate import ARMS, calibrate_ab, mirrored_block
from vlmhyperbench.ab.sides import Settings, resolve_side


def test_mirrored_blocks_give_every_arm_an_early_and_a_late_slot() -> None:
    rng = np.random.default_rng(0)
    firsts: Counter[str] = Counter()
    for _ in range(300):
        block = mirrored_block(rng)
        assert block[:3] == block[:2:-1] and sorted(block[:3]) == sorted(ARMS)
        firsts[block[0]] += 1
    assert min(firsts.values()) > 70  # each arm starts a block about a third of the time


# Measured alone, by its own nox session (`nox -s calibrate-ab`, minutes), not in the tests cells, whose
# time it would nearly double on 2 cores. A CI run once found A/A' = +2.6 % (3/20 false alarms): the
# repetitions then shared one worker process per arm, and a process keeps a speed offset of a few % for its
# life (two identical wheel builds: -4.3 % to +0.1 %), so that was one draw; now each repetition starts
# its own processes (ab/calibrate.py).
@pytest.mark.slow
@pytest.mark.ab_calibration
def test_ab_meets_its_targets_across_two_environments_of_the_same_code(
    repo_root: Path, tmp_path: Path
) -> None:
    """The goal of issue 12 on this machine: side A is the environment running the tests, side B this
    revision built again as its own environment (`ab`'s revision side: another venv, non-editable); 20
    repetitions, each measured as `ab --rounds auto` measures. Prints the rates, rounds and time taken."""
    settings = Settings("dummy:tiny-llava", new_tokens=8)
    a = resolve_side(".", "A", settings, repo_root)
    b = resolve_side("HEAD", "B", settings, repo_root, cache=tmp_path, extra=default_extra())
    assert a.python != b.python
    result = calibrate_ab(a, b, repeats=20, blocks=None, slowdown=0.10, sequential=True, seed=0)
    print(result.summary())
    assert result.false_alarm_rate <= 0.05, result.summary()
    assert result.detection_rate >= 0.95, result.summary()
