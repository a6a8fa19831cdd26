"""Every speed figure declared once: directions, aliases, checks, and the recipe for adding one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vlmhyperbench.figures import FIGURES, STATISTICS, Figure, get_figure
from vlmhyperbench.registry import UnknownNameError

THROUGHPUTS = {"decode_tokens_per_s", "images_per_s", "output_tokens_per_s", "total_tokens_per_s"}
TIMES_AND_MEMORY = {"ttft_s", "tpot_s", "latency_s", "vision_s", "lm_s", "peak_memory_allocated_bytes"}


@pytest.mark.parametrize("name", sorted(THROUGHPUTS))
def test_throughputs_are_higher_is_better(name: str) -> None:
    figure = get_figure(name)
    assert figure.higher_is_better
    assert figure.regression(0.9) == pytest.approx(0.1)  # 10 % fewer per second: 10 % worse
    assert figure.regression(1.1) < 0


@pytest.mark.parametrize("name", sorted(TIMES_AND_MEMORY))
def test_times_and_memory_are_lower_is_better(name: str) -> None:
    figure = get_figure(name)
    assert not figure.higher_is_better
    assert figure.regression(1.1) == pytest.approx(0.1)
    assert figure.regression(0.9) < 0


def test_every_figure_stored_results_carry_is_still_declared() -> None:
    """Results already saved carry these: removing or renaming one would make them unreadable."""
    contract = {
        "ttft_s", "tpot_s", "decode_tokens_per_s", "output_tokens_per_s", "total_tokens_per_s",
        "images_per_s", "latency_s", "vision_s", "lm_s", "peak_memory_allocated_bytes",
        "peak_memory_reserved_bytes", "nvml_memory_used_bytes",
    }  # fmt: skip
    assert contract <= set(FIGURES.names())


def test_aliases_and_memory_words() -> None:
    assert get_figure("ttft").name == "ttft_s"
    memory = get_figure("memory")
    assert (memory.name, memory.better, memory.worse) == ("peak_memory_allocated_bytes", "smaller", "larger")


def test_unknown_figure_lists_the_known_ones() -> None:
    with pytest.raises(
        UnknownNameError, match=r"Unknown figure 'tokens'\. Available: ttft_s, tpot_s, decode_tokens_per_s"
    ):
        get_figure("tokens")


def test_a_temporary_figure_leaves_the_registry_as_it_was() -> None:
    toy = Figure("toy_s", "toy time", "s", False)
    with FIGURES.added(toy.name, toy):
        assert get_figure("toy_s") is toy
        assert FIGURES.names()[-1] == "toy_s"
    assert "toy_s" not in FIGURES


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown statistic 'average'"):
        Figure("x_s", "x", "s", False, aggregate="average")
    with pytest.raises(ValueError, match="column 'p90' is neither the aggregate nor a spread"):
        Figure("x_s", "x", "s", False, column="x", columns=("p90",))
    with pytest.raises(ValueError, match="cannot show 's' in 'GiB'"):
        Figure("x_s", "x", "s", False, display="GiB")


def test_every_statistic_is_one_samples_computes() -> None:
    from vlmhyperbench.perf.stats import Samples

    assert set(STATISTICS) <= set(Samples.fields)
    for figure in FIGURES:
        assert {figure.aggregate, *figure.spread} <= set(STATISTICS)


def test_memory_is_summarised_by_its_worst_round_and_shown_only_where_measured() -> None:
    for name in ("peak_memory_allocated_bytes", "peak_memory_reserved_bytes", "nvml_memory_used_bytes"):
        figure = get_figure(name)
        assert (figure.aggregate, figure.optional, figure.display_unit) == ("max", True, "GiB")
    latency = get_figure("latency")
    assert latency.summary_keys() == [
        "latency_s",
        "latency_s_p50",
        "latency_s_p90",
        "latency_s_p99",
        "latency_s_stdev",
    ]
    assert [latency.column_title(s) for s in latency.table_stats] == ["p50", "p90"]


TORCH_FREE = """
import sys
from vlmhyperbench.report.bench import bench_markdown
print(bench_markdown([{"config": {"batch_size": 1}, "metrics": {"ttft_s": 0.25}}]))
print(sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")))
"""


def test_declarations_and_the_bench_table_need_no_torch() -> None:
    done = subprocess.run([sys.executable, "-c", TORCH_FREE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    table, loaded = done.stdout.rstrip().rsplit("\n", 1)
    assert "| - | 1 | 250.0 |" in table and loaded == "[]"


# --- Recipe: adding a figure ------------------------------------------------------------------------------
# 1. Declare it in src/vlmhyperbench/figures.py: Figure(name, label, unit, higher_is_better, column=...).
# 2. Measure it: a property of that name on GenerationMeasurement (src/vlmhyperbench/perf/measurement.py),
#    or `measure=` on the declaration when it derives from values a round already records (as below).
# Results, the bench table, the quality report and `compare --figure` pick it up from the declaration.

PREFILL = Figure(
    "prefill_tokens_per_s",
    "prefill tokens/s",
    "tok/s",
    higher_is_better=True,
    column="prefill",
    measure=lambda m: sum(m.input_tokens) / m.ttft_s if m.ttft_s > 0 else None,
)


def test_recipe_a_new_figure_reaches_the_table_the_json_and_compare(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vlmhyperbench.cli import app

    runner = CliRunner()
    bench = ["bench", "--model", "dummy:tiny-qwen2-vl", "--batch", "1", "--new-tokens", "2"]
    bench += ["--rounds", "3", "--warmup", "0", "--device", "cpu", "--results", str(tmp_path)]
    with FIGURES.added(PREFILL.name, PREFILL):
        for run in (1, 2):  # two runs, so the gate has a previous one to compare with
            markdown = tmp_path / f"bench{run}.md"
            result = runner.invoke(app, [*bench, "--markdown", str(markdown)], terminal_width=250)
            assert result.exit_code == 0, result.output
        # the bench table: its own column, titled from the declaration
        assert "prefill" in result.output
        header = markdown.read_text(encoding="utf-8").splitlines()[2]
        assert "| p90 s | prefill tok/s | vision / LM |" in header  # declared last: the last figure column

        # the JSON: one value per round, and its summary
        files = sorted(tmp_path.glob("*/*/*_bench_*.json"))
        assert [f.name[:4] for f in files] == ["0001", "0002"]
        info = json.loads(files[-1].read_text(encoding="utf-8"))["benchmarks"][0]["extra_info"]
        prompt_tokens = info["metrics"]["input_tokens"]  # batch 1: the one sequence's input tokens
        expected = [prompt_tokens / ttft for ttft in info["rounds"]["ttft_s"]]
        assert info["rounds"]["prefill_tokens_per_s"] == pytest.approx(expected)
        assert info["metrics"]["prefill_tokens_per_s"] == pytest.approx(sum(expected) / 3)

        # compare: the latest run against the previous one, on the new figure
        cell = files[-1].parent.parent.name
        out = tmp_path / "compare"
        args = ["compare", cell, "--root", str(tmp_path), "--figure", "prefill_tokens_per_s"]
        result = runner.invoke(app, [*args, "--out", str(out)], terminal_width=250)
        assert result.exit_code == 0, result.output  # 3 rounds a side can never be a significant change
        assert "prefill tokens/s (prefill_tokens_per_s, higher is better)" in result.output
        compared = json.loads((out / "compare.json").read_text(encoding="utf-8"))
        assert compared["figure"] == "prefill_tokens_per_s" and compared["higher_is_better"] is True
        column = compared["rows"][0]["columns"][0]
        assert column["ratio"] > 0 and column["rounds"] == 3
    assert "prefill_tokens_per_s" not in FIGURES
