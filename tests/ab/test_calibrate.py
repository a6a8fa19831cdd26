"""Calibration of `ab` across two processes: false alarms <= 5 %, a 10 % slowdown caught >= 95 %."""

from __future__ import annotations

import os
import sys
from collections import Counter

import numpy as np
import pytest

from vlmhyperbench.ab.calibrate import ARMS, calibrate_ab, mirrored_block
from vlmhyperbench.ab.sides import Settings, Side

# A second environment of the same revision, when the machine has one (CI: the staging cell's venv);
# otherwise a second worker process from this one, the minimum the test needs.
OTHER_PYTHON_ENV_VAR = "VLMHYPERBENCH_AB_OTHER_PYTHON"


def test_mirrored_blocks_give_every_arm_an_early_and_a_late_slot() -> None:
    rng = np.random.default_rng(0)
    firsts: Counter[str] = Counter()
    for _ in range(300):
        block = mirrored_block(rng)
        assert block[:3] == block[:2:-1] and sorted(block[:3]) == sorted(ARMS)
        firsts[block[0]] += 1
    assert min(firsts.values()) > 70  # each arm starts a block about a third of the time


@pytest.mark.slow
@pytest.mark.calibration  # its detection target is not met on a loaded 2-core VM yet (README, A/B)
def test_ab_meets_its_targets_across_two_processes() -> None:
    other = os.environ.get(OTHER_PYTHON_ENV_VAR, sys.executable)
    settings = Settings("dummy:tiny-llava", new_tokens=8)
    a = Side("A", sys.executable, "python", sys.executable, settings)
    b = Side("B", other, "python", other, settings)
    result = calibrate_ab(a, b, repeats=20, blocks=None, slowdown=0.10, seed=0)
    print(result.summary())
    assert result.false_alarm_rate <= 0.05, result.summary()
    assert result.detection_rate >= 0.95, result.summary()
