"""How values and Markdown cells are written, in one place for every table and report.

Two ways to show a figure: `in_column` writes it in the display unit its table column names (fixed
decimals, so a column lines up), `readable` picks a readable scale and writes the unit beside it (a
cross-cell comparison cell, a report's "figure | value" table). `number` writes any other value.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from vlmhyperbench.figures import Figure

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

MISSING = "-"
# backslash first, so the escapes added after it stay single; `[` `]` so no text becomes a link (names such
# as `exact_match` keep their `_`: emphasis inside a word is not Markdown)
MARKDOWN_SPECIAL = "\\`[]|"
# decimals per display unit in table columns; rates get one decimal below 1000 and none above
DECIMALS = {"ms": 1, "s": 3, "GiB": 2, "MiB": 1}


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def in_column(value: float | int | None, figure: Figure) -> str:
    """A figure in its column's display unit, without the unit (the column title carries it)."""
    if _absent(value):
        return MISSING
    assert value is not None
    shown = value * figure.scale
    decimals = DECIMALS.get(figure.display_unit)
    if decimals is None:
        decimals = 1 if abs(shown) < 1000 else 0
    return f"{shown:.{decimals}f}"


def readable(value: float | int | None, unit: str, with_unit: bool = True) -> str:
    """Seconds and bytes in a readable scale, always with their unit; other units with it if `with_unit`."""
    if _absent(value):
        return MISSING
    assert value is not None
    if unit == "s":
        return f"{value * 1e3:.3g} ms" if abs(value) < 1 else f"{value:.3g} s"
    if unit == "B":
        return f"{value / 2**30:.3g} GiB" if abs(value) >= 2**30 else f"{value / 2**20:.4g} MiB"
    return f"{value:.4g} {unit}" if with_unit else f"{value:.4g}"


def number(value: Any) -> str:
    """Any other value: counts as they are, floats to 4 significant digits, missing and NaN as `-`."""
    if _absent(value):
        return MISSING
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def ratio(value: float | None) -> str:
    return MISSING if _absent(value) else f"{value:.3f}"


def md_escape(text: str, breaks: str = " ") -> str:
    """Text shown as typed in a Markdown table cell, the one escaper of every report: HTML (`<script>`),
    links and code spans become text (answers, doc classes and question types come from datasets and
    models: never trust them), a pipe stays in its cell, and a line break becomes `breaks`."""
    for char in MARKDOWN_SPECIAL:
        text = text.replace(char, "\\" + char)
    text = html.escape(text, quote=False).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", breaks)


def md_row(cells: Iterable[str], breaks: str = " ") -> str:
    """`| a | b |` with every cell escaped (`breaks="<br>"` keeps a cell's lines apart)."""
    return "| " + " | ".join(md_escape(cell, breaks) for cell in cells) + " |"


def print_full_width(renderable: RenderableType, console: Console) -> None:
    """Print a table; into a file or pipe (a CI log) at its full width, so no figure or name is cut or folded.

    On a terminal the terminal's width wins. rich clamps `print(width=...)` to the console's width, so the
    console is widened for this one print.
    """
    natural = console.measure(renderable, options=console.options.update_width(1000)).maximum
    if console.is_terminal or natural <= console.width:
        console.print(renderable)
        return
    width = console.width
    console.width = natural
    try:
        console.print(renderable)
    finally:
        console.width = width
