from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from vlmhyperbench.compare import Comparison, compare, resolve
from vlmhyperbench.report.compare import print_comparison, to_markdown, write_report

CU124 = "3.12-cu124-dev"


def _render(comparison: Comparison) -> str:
    console = Console(record=True, width=200, color_system=None)
    print_comparison(comparison, console)
    return console.export_text()


def test_pairwise_table_markdown_plot_and_json(root: Path, tmp_path: Path) -> None:
    comparison = compare(resolve(f"{CU124}:1", root), [resolve(f"{CU124}:2", root)])
    text = _render(comparison)
    assert "decode tokens/s (decode_tokens_per_s, higher is better)" in text
    assert "test_generate[tiny-qwen2-vl-1]" in text and "slower (fail)" in text
    assert "FAILED: 4 significant regression(s) beyond 5%" in text
    assert "regression: test_generate[tiny-qwen2-vl-1] in 3.12-cu124-dev:2" in text

    markdown = to_markdown(comparison)
    header = "| benchmark | baseline (tok/s): 3.12-cu124-dev:1 | current (tok/s): 3.12-cu124-dev:2 |"
    assert header in markdown
    assert "**slower (fail)**" in markdown
    assert "## Results compared" in markdown and "3.12.1" in markdown  # the environment of each result

    paths = write_report(comparison, tmp_path / "out")
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(paths["json"].read_text())["failed"] is True
    assert paths["markdown"].read_text() == markdown


def test_cross_cell_table_and_plot(root: Path, tmp_path: Path) -> None:
    results = [resolve(address, root) for address in (f"{CU124}:1", "3.12-cu128-dev", "3.10-cu124-dev")]
    comparison = compare(results[0], results[1:])
    text = _render(comparison)
    assert "3.12-cu128-dev" in text and "3.10-cu124-dev" in text and "(reference)" in text
    markdown = to_markdown(comparison)
    header = markdown.splitlines()[6]
    assert header == "| benchmark | 3.12-cu124-dev (reference) | 3.12-cu128-dev | 3.10-cu124-dev |"
    assert "<br>" in markdown
    assert write_report(comparison, tmp_path)["plot"].stat().st_size > 1000


def test_errors_and_notes_are_shown(root: Path) -> None:
    comparison = compare(resolve(f"{CU124}:1", root), [resolve("3.12-cu124-prod", root)])
    text = _render(comparison)
    assert "error: benchmark 'test_generate[tiny-qwen2-vl-1]': config differs" in text
    assert "- error: benchmark" in to_markdown(comparison)


def test_nothing_compared_writes_no_chart_and_removes_an_old_one(root: Path, tmp_path: Path) -> None:
    """Every shared benchmark measured at another length: a report that says so, and no empty plot."""
    base = resolve(f"{CU124}:1", root)
    data = json.loads(base.path.read_text())
    for bench in data["benchmarks"]:
        bench["extra_info"]["config"]["new_tokens"] = 16
    longer = tmp_path / "longer.json"
    longer.write_text(json.dumps(data))
    comparison = compare(base, [resolve(str(longer), root)], require_all=False)
    out = tmp_path / "out"
    out.mkdir()
    (out / "compare.png").write_bytes(b"an older chart")
    paths = write_report(comparison, out)
    assert set(paths) == {"markdown", "json"} and not (out / "compare.png").exists()
    text = _render(comparison)
    assert "nothing compared" in text and "measured with other lengths (new_tokens: 32 vs 16)" in text
    assert "┏" not in text  # no table of rows that were all left out
