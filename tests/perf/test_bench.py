"""The sweep behind `vlmhyperbench bench`: out-of-memory batches are recorded, overhead rounds are paired."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from vlmhyperbench.engines import LoadOptions
from vlmhyperbench.engines.hf import HFEngine
from vlmhyperbench.perf import BenchRun, bench_engine, is_out_of_memory, speed_record
from vlmhyperbench.results import ResultStore, load_record
from vlmhyperbench.results.schema import FAILED_KEY


@pytest.fixture(scope="module")
def tiny_llava() -> Iterator[HFEngine]:
    engine = HFEngine("dummy:tiny-llava", LoadOptions(device="cpu", attn_implementation="sdpa"))
    with engine:
        yield engine


def test_a_batch_that_runs_out_of_memory_is_recorded_and_the_sweep_goes_on(
    tiny_llava: HFEngine, tmp_path: Path
) -> None:
    # The device's capacity, played by a hook on the real model: more than 2 sequences do not fit.
    def capacity(module: Any, args: Any, kwargs: dict[str, Any]) -> None:
        if kwargs["input_ids"].shape[0] > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    handle = tiny_llava.loaded.model.register_forward_pre_hook(capacity, with_kwargs=True)
    steps: list[str] = []
    saved: list[int] = []
    try:
        run = bench_engine(
            tiny_llava,
            [1, 4, 2],
            new_tokens=3,
            rounds=2,
            warmup=1,
            on_step=steps.append,
            on_case=lambda run: saved.append(len(run.cases)),
        )
    finally:
        handle.remove()
    assert [(c.batch, c.error is None) for c in run.cases] == [(1, True), (4, False), (2, True)]
    failed = run.failed[0]
    assert failed.error == "out of memory at batch 4: CUDA out of memory. Tried to allocate 2.00 GiB"
    assert failed.rounds == [] and failed.info["config"]["batch_size"] == 4
    assert failed.row()["error"] == failed.error
    assert len(steps) == 3 * 3 and "b4 out of memory" in steps[3]  # the bar still reaches its total
    assert saved == [1, 2, 3]  # the caller could save after every case

    record = speed_record(run, rounds_setting=2, warmup=1)
    assert [b.param for b in record.benchmarks] == ["tiny-llava-sdpa-b1", "tiny-llava-sdpa-b2"]
    assert [(f.name, f.error) for f in record.failed] == [("test_generate[tiny-llava-sdpa-b4]", failed.error)]
    path = ResultStore(tmp_path).save(record)
    assert json.loads(path.read_text())[FAILED_KEY][0]["error"] == failed.error
    assert load_record(path).failed[0].extra_info.config.batch_size == 4  # type: ignore[union-attr]


def test_other_errors_are_not_taken_for_out_of_memory(tiny_llava: HFEngine) -> None:
    def broken(module: Any, args: Any, kwargs: dict[str, Any]) -> None:
        raise RuntimeError("shape mismatch")

    handle = tiny_llava.loaded.model.register_forward_pre_hook(broken, with_kwargs=True)
    run = BenchRun("dummy:tiny-llava")
    try:
        with pytest.raises(RuntimeError, match="shape mismatch"):
            bench_engine(tiny_llava, [1], new_tokens=2, rounds=1, warmup=0, run=run)
    finally:
        handle.remove()
    assert run.cases == []
    assert is_out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate"))
    assert is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    assert not is_out_of_memory(ValueError("out of memory"))


def test_overhead_pairs_each_measured_round_with_a_bare_generate(tiny_llava: HFEngine) -> None:
    run = bench_engine(tiny_llava, [2], new_tokens=4, rounds=3, warmup=1, overhead=True)
    overhead = run.cases[0].info["overhead"]
    assert overhead["rounds"] == 3 and len(overhead["bare_s"]) == 3
    assert all(s > 0 for s in overhead["bare_s"])
    per_round = run.cases[0].info["rounds"]["output_tokens_per_s"]
    assert min(per_round) <= overhead["measured_tokens_per_s"] <= max(per_round)  # the median round
    assert overhead["ratio"] == pytest.approx(
        overhead["measured_tokens_per_s"] / overhead["bare_tokens_per_s"]
    )
    # without the flag nothing extra runs or is stored
    assert "overhead" not in bench_engine(tiny_llava, [1], new_tokens=2, rounds=1, warmup=0).cases[0].info


def test_runners_are_cases_of_their_own_with_their_compile_time_apart(tiny_llava: HFEngine) -> None:
    run = BenchRun(tiny_llava.spec)
    for runner in ("generate", "static"):
        bench_engine(tiny_llava, [1], new_tokens=2, rounds=1, warmup=1, run=run, runner=runner)
    data = speed_record(run, rounds_setting=1, warmup=1).to_json()
    generate, static = data["benchmarks"]
    # stock generate keeps the id and params results had before runner modes; others add theirs
    assert (generate["param"], generate["params"]) == (
        "tiny-llava-sdpa-b1",
        {"preset": "tiny-llava", "attn": "sdpa", "batch": 1},
    )
    assert static["param"] == "tiny-llava-sdpa-b1-static" and static["params"]["runner"] == "static"
    assert [b["extra_info"]["config"]["runner"] for b in (generate, static)] == ["generate", "static"]
    summary = static["extra_info"]["runner"]
    assert summary["name"] == "static" and len(summary["warmup_s"]) == 1
    assert summary["first_call_s"] == summary["warmup_s"][0] and summary["compile_s"] >= 0
    with pytest.raises(ValueError, match="'compiled' needs at least one warm-up round"):
        bench_engine(tiny_llava, [1], new_tokens=2, rounds=1, warmup=0, runner="compiled")
