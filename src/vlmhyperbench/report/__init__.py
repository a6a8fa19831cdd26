"""Rendering lives here: tables, Markdown, HTML and plots for benchmark and quality runs.

This package imports nothing eagerly (no torch, no matplotlib): import the submodule you need,
e.g. `from vlmhyperbench.report.run_report import write_run_report`.
"""

from __future__ import annotations

__all__: list[str] = []
