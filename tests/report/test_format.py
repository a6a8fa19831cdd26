"""Values and Markdown cells are written the same way in every table and report."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vlmhyperbench.figures import get_figure
from vlmhyperbench.report.format import (
    in_column,
    md_escape,
    md_row,
    number,
    print_full_width,
    ratio,
    readable,
)

GIB = 1024**3


def test_readable_values_carry_their_units() -> None:
    assert readable(0.0123, "s") == "12.3 ms"
    assert readable(2.5, "s") == "2.5 s"
    assert readable(50_000_000, "B") == "47.68 MiB"
    assert readable(3 * GIB, "B") == "3 GiB"
    assert readable(123.456, "tok/s") == "123.5 tok/s"
    assert readable(123.456, "tok/s", with_unit=False) == "123.5"
    assert readable(None, "s") == "-"
    assert readable(float("nan"), "s") == "-"


def test_column_values_in_the_display_unit_with_fixed_decimals() -> None:
    assert in_column(0.25, get_figure("ttft_s")) == "250.0"  # seconds shown in ms
    assert in_column(2.8, get_figure("latency_s")) == "2.800"
    assert in_column(380.04, get_figure("output_tokens_per_s")) == "380.0"
    assert in_column(2500.4, get_figure("total_tokens_per_s")) == "2500"  # no decimals above 1000
    assert in_column(6 * GIB, get_figure("peak_memory_reserved_bytes")) == "6.00"
    assert in_column(None, get_figure("nvml_memory_used_bytes")) == "-"


def test_other_values() -> None:
    assert number(4) == "4" and number("cpu") == "cpu" and number(True) == "True"
    assert number(0.123456) == "0.1235" and number(12345.6) == "12,346"
    assert number(None) == "-" and number(float("inf")) == "-"
    assert ratio(0.99312) == "0.993" and ratio(None) == "-"


def test_markdown_cells_keep_the_table_whole() -> None:
    assert md_escape("a | b\nc") == "a \\| b c"
    assert md_row(["x|y", "z"]) == "| x\\|y | z |"


@pytest.mark.parametrize("terminal", [False, True])
def test_tables_reach_a_pipe_whole_and_a_terminal_at_its_width(terminal: bool) -> None:
    name = "test_generate[tiny-llava-default-b1-sdpa-static]"
    table = Table("benchmark", "change")
    table.columns[0].overflow = "fold"  # the benchmark column folds, as in `report.compare`
    table.add_row(escape(name), "+4.9%")
    out = io.StringIO()
    console = Console(file=out, width=30, force_terminal=terminal, color_system=None)
    print_full_width(table, console)
    widest = max(len(line) for line in out.getvalue().splitlines())
    assert (name in out.getvalue()) is not terminal
    assert (widest > 30) is not terminal
    assert console.width == 30  # widened for the one print only
