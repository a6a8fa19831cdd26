"""An A/B run stored and judged: ab.json, per-side speed records that `compare` reads, compare's report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from vlmhyperbench.ab.driver import ABRun, Round
from vlmhyperbench.ab.report import save_run
from vlmhyperbench.ab.sides import Settings, Side
from vlmhyperbench.ab.stats import METHOD
from vlmhyperbench.compare import compare, load_result
from vlmhyperbench.results import ResultStore


def synthetic_run(
    blocks: int, b_factor: float, error: str | None = None, b_attn: str | None = "eager"
) -> ABRun:
    """A run as the driver records it, with tokens/s drifting over time and B `b_factor` times A."""
    sides = {
        "A": Side("A", sys.executable, "python", "/envs/a", Settings()),
        "B": Side("B", sys.executable, "python", "/envs/b", Settings(attn=b_attn)),
    }
    run = ABRun(sides, "decode_tokens_per_s", 0, 3, blocks, "2026-11-27T06:00:00+00:00", error=error)
    run.environments = {"A": {"python": "3.12.1", "torch": "2.9.0"}, "B": {"python": "3.10.13"}}
    rng = np.random.default_rng(0)
    order = 0
    for block in range(1, blocks + 1):
        pattern = "ABBA" if rng.integers(2) else "BAAB"
        for position, side in enumerate(pattern, start=1):
            order += 1
            drift = 1.0 - 0.01 * order  # the machine gets slower all along
            value = 300.0 * drift * (b_factor if side == "B" else 1.0) * float(np.exp(rng.normal(0, 0.01)))
            figures: dict[str, float | None] = {"decode_tokens_per_s": value, "latency_s": 8 / value}
            run.rounds.append(Round(side, block, position, order, pattern, f"t{order}", figures))
    return run


def test_a_slower_b_fails_the_gate_and_everything_is_stored(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    folder, comparison = save_run(synthetic_run(10, 0.85), store, 0.05, 0.95)
    assert folder.parent == store.compare_folder("ab")
    assert {p.name for p in folder.iterdir()} >= {"ab.json", "A.json", "B.json", "compare.md", "compare.png"}
    assert comparison.failed and comparison.exit_code() == 1
    (delta,) = comparison.rows[0].deltas
    assert delta.estimate is not None and 0.83 < delta.estimate.ratio < 0.87
    stored = json.loads((folder / "compare.json").read_text())
    assert stored["method"] == METHOD and stored["failed"]
    assert stored["reference"]["environment"]["torch"] == "2.9.0"
    assert stored["others"][0]["environment"]["python"] == "3.10.13"
    rounds = json.loads((folder / "ab.json").read_text())["rounds"]
    assert len(rounds) == 40 and {"side", "block", "position", "order", "timestamp"} <= set(rounds[0])
    assert "settings differ" in (folder / "compare.md").read_text()


def test_drift_fools_a_sequential_comparison_but_not_the_blocks(tmp_path: Path) -> None:
    run = synthetic_run(10, 1.0, b_attn=None)
    _, paired = save_run(run, ResultStore(tmp_path), 0.05, 0.95)
    assert not paired.failed and not paired.rows[0].deltas[0].estimate.significant  # type: ignore[union-attr]
    # The same per-side records read by `compare` ignore the pairing; feed it A's first half against B's
    # second half, i.e. two runs made one after the other on a drifting machine.
    a, b = load_result(next(tmp_path.rglob("A.json"))), load_result(next(tmp_path.rglob("B.json")))
    a_bench, b_bench = next(iter(a.benchmarks.values())), next(iter(b.benchmarks.values()))
    a_bench.rounds["decode_tokens_per_s"][:] = a_bench.rounds["decode_tokens_per_s"][:10]
    b_bench.rounds["decode_tokens_per_s"][:] = b_bench.rounds["decode_tokens_per_s"][10:]
    assert compare(a, [b]).failed


def test_a_run_stopped_early_is_stored_with_its_error(tmp_path: Path) -> None:
    run = synthetic_run(3, 1.0, error="side B exited during round 13")
    folder, comparison = save_run(run, ResultStore(tmp_path), 0.05, 0.95)
    assert json.loads((folder / "ab.json").read_text())["error"] == "side B exited during round 13"
    assert any("stopped early" in w for w in comparison.warnings)
    assert comparison.exit_code() == 2  # 3 blocks: too few for a verdict, an error row
