from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vlmhyperbench.compare import Comparison, Delta, ResultError, Verdict, compare, resolve

CU124 = "3.12-cu124-dev"


def _one_column(comparison: Comparison) -> list[Delta]:
    return [row.deltas[0] for row in comparison.rows]


def test_a_15_percent_slowdown_fails_the_gate(root: Path) -> None:
    comparison = compare(resolve(f"{CU124}:1", root), [resolve(f"{CU124}:2", root)])
    deltas = _one_column(comparison)
    assert len(deltas) == 4
    assert all(d.verdict is Verdict.WORSE and d.failed for d in deltas)
    assert all(d.estimate and 0.8 < d.estimate.ratio < 1 / 1.12 for d in deltas)
    assert all(d.regression and d.regression > 0.1 for d in deltas)
    assert comparison.exit_code() == 1
    assert [r.verdict.label(comparison.figure) for r in deltas] == ["slower"] * 4


def test_the_same_speed_in_another_cell_passes(root: Path) -> None:
    comparison = compare(resolve(CU124 + ":1", root), [resolve("3.12-cu128-dev", root)])
    assert not comparison.failed and comparison.exit_code() == 0
    assert all(d.estimate and abs(d.estimate.ratio - 1) < 0.03 for d in _one_column(comparison))


def test_the_threshold_decides_what_fails(root: Path) -> None:
    comparison = compare(resolve(f"{CU124}:1", root), [resolve(f"{CU124}:2", root)], threshold=0.2)
    assert not comparison.failed
    assert all(d.verdict is Verdict.WORSE for d in _one_column(comparison))  # still reported as slower


def test_direction_follows_the_figure(root: Path) -> None:
    slow, base = resolve(f"{CU124}:2", root), resolve(f"{CU124}:1", root)
    latency = compare(base, [slow], figure="latency_s")  # lower is better: a higher latency is worse
    assert latency.failed and all(d.estimate and d.estimate.ratio > 1.1 for d in _one_column(latency))
    reverse = compare(slow, [base])  # faster than the reference
    assert not reverse.failed
    assert all(d.verdict is Verdict.BETTER for d in _one_column(reverse))
    assert _one_column(reverse)[0].verdict.label(reverse.figure) == "faster"
    ttft = compare(base, [slow], figure="ttft")  # the synthetic slowdown leaves TTFT alone
    assert not ttft.failed


def test_deterministic_memory_is_unchanged(root: Path) -> None:
    comparison = compare(resolve(f"{CU124}:1", root), [resolve(f"{CU124}:2", root)], figure="memory")
    assert all(d.verdict is Verdict.UNCHANGED for d in _one_column(comparison))


def test_a_figure_that_was_not_measured_is_an_error_naming_benchmark_and_cell(root: Path) -> None:
    comparison = compare(
        resolve(f"{CU124}:1", root), [resolve(f"{CU124}:2", root)], figure="nvml_memory_used_bytes"
    )
    assert comparison.exit_code() == 2
    assert "'test_generate[tiny-qwen2-vl-1]' in 3.12-cu124-dev run 0001" in comparison.errors[0]
    assert "not measured in 10 of 10 rounds" in comparison.errors[0]


def test_a_config_mismatch_is_an_error_unless_allowed(root: Path) -> None:
    base, prod = resolve(f"{CU124}:1", root), resolve("3.12-cu124-prod", root)
    comparison = compare(base, [prod])
    assert comparison.exit_code() == 2
    assert "config differs between 3.12-cu124-dev run 0001" in comparison.errors[0]
    assert "dtype: 'float32' vs 'bfloat16'" in comparison.errors[0]
    allowed = compare(base, [prod], allow_mismatch=True)
    assert allowed.exit_code() == 0
    assert all("config differs: dtype" in d.message for d in _one_column(allowed))


def _edit(path: Path, target: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads(path.read_text())
    edit(data)
    target.write_text(json.dumps(data))
    return target


def test_missing_benchmarks_are_warned_about(root: Path, tmp_path: Path) -> None:
    base = resolve(f"{CU124}:1", root)
    fewer = _edit(base.path, tmp_path / "fewer.json", lambda d: d["benchmarks"].pop(0))
    comparison = compare(resolve(str(fewer), root), [resolve(f"{CU124}:2", root)])
    assert len(comparison.rows) == 4
    assert comparison.rows[-1].deltas[0].verdict is Verdict.MISSING
    only = "not compared: 1 only in 3.12-cu124-dev:2 (test_generate[tiny-qwen2-vl-1])"
    assert comparison.warnings == [only]
    delta = comparison.rows[-1].deltas[0]  # the files, named once per benchmark, in compare.json
    assert "benchmark 'test_generate[tiny-qwen2-vl-1]'" in delta.message and "fewer.json" in delta.message


def test_without_require_all_a_length_difference_is_one_line_not_an_error(root: Path, tmp_path: Path) -> None:
    base = resolve(f"{CU124}:1", root)

    def longer(data: dict[str, Any]) -> None:
        for bench in data["benchmarks"]:
            bench["extra_info"]["config"]["new_tokens"] = 16

    other = resolve(str(_edit(base.path, tmp_path / "longer.json", longer)), root)
    lenient = compare(base, [other], require_all=False)
    assert lenient.exit_code() == 0 and lenient.compared == 0 and not lenient.errors
    lines = [w for w in lenient.warnings if "other lengths" in w]
    assert len(lines) == 1 and "new_tokens: 32 vs 16" in lines[0], lenient.warnings
    strict = compare(base, [other])
    assert strict.exit_code() == 2 and "new_tokens: 32 vs 16" in strict.errors[0]


def test_no_common_benchmark_is_an_error_listing_both_sides(root: Path, tmp_path: Path) -> None:
    def rename(data: dict[str, Any]) -> None:
        for bench in data["benchmarks"]:
            bench["name"] = "test_other"

    base = resolve(f"{CU124}:1", root)
    other = _edit(base.path, tmp_path / "other.json", rename)
    with pytest.raises(
        ResultError, match=r"no benchmark matches between 3.12-cu124-dev run 0001 .* has test_gen"
    ) as raised:
        compare(base, [resolve(str(other), root)])
    how = "compare two runs of the same suite or `bench` settings (`vlmhyperbench results` lists each cell's"
    assert str(raised.value).endswith(how + " runs)")


def test_cross_cell_table_has_one_column_per_cell(root: Path) -> None:
    results = [resolve(address, root) for address in (f"{CU124}:1", "3.12-cu128-dev", "3.10-cu124-dev")]
    comparison = compare(results[0], results[1:])
    assert comparison.cross_cell
    assert [d.column for d in comparison.rows[0].deltas] == ["3.12-cu128-dev", "3.10-cu124-dev"]
    assert not any(row.deltas[0].failed for row in comparison.rows)
    assert all(row.deltas[1].failed for row in comparison.rows)  # 3.10 is 12 % slower
    assert comparison.exit_code() == 1


def test_runs_of_one_cell_get_distinct_column_titles(root: Path) -> None:
    comparison = compare(resolve(f"{CU124}:1", root), [resolve(f"{CU124}:2", root)])
    assert (comparison.reference.label, comparison.others[0].label) == (f"{CU124}:1", f"{CU124}:2")
    data = comparison.to_dict()
    assert data["exit_code"] == 1 and data["rows"][0]["columns"][0]["verdict"] == "slower"
    json.dumps(data)


def test_too_few_rounds_are_warned_about(root: Path, tmp_path: Path) -> None:
    def keep_three_rounds(data: dict[str, Any]) -> None:
        for bench in data["benchmarks"]:
            rounds = bench["extra_info"]["rounds"]
            rounds["decode_tokens_per_s"] = rounds["decode_tokens_per_s"][:3]

    base, slow = resolve(f"{CU124}:1", root), resolve(f"{CU124}:2", root)
    short = [_edit(r.path, tmp_path / f"{i}.json", keep_three_rounds) for i, r in enumerate((base, slow))]
    comparison = compare(resolve(str(short[0]), root), [resolve(str(short[1]), root)])
    assert not comparison.failed  # 15 % slower, but 3 rounds cannot show it at 95 %
    assert (
        "too few rounds for a 95% interval (3 vs 3; need >= 4 each), so it can never fail"
        in (comparison.warnings[0])
    )


def test_a_benchmark_without_per_round_figures_is_skipped_not_an_error(root: Path, tmp_path: Path) -> None:
    """Like the overhead benchmark, which reports a ratio: it must not turn every gate into exit 2."""

    def add_ratio_only(data: dict[str, Any]) -> None:
        extra = {"overhead": {"ratio": 1.0}}
        data["benchmarks"].append({**data["benchmarks"][0], "name": "test_overhead", "extra_info": extra})

    base = _edit(resolve(f"{CU124}:1", root).path, tmp_path / "a.json", add_ratio_only)
    same = _edit(resolve("3.12-cu128-dev", root).path, tmp_path / "b.json", add_ratio_only)
    comparison = compare(resolve(str(base), root), [resolve(str(same), root)], allow_mismatch=True)
    skipped = [r.deltas[0] for r in comparison.rows if r.name == "test_overhead"]
    assert skipped and skipped[0].verdict is Verdict.MISSING
    assert not comparison.errors and comparison.exit_code() == 0
