"""Rendering of doctor's checks: a rich table for people, JSON for CI and scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from vlmhyperbench.env.doctor import FAIL, OK, SKIP, WARN, Check

STYLES = {OK: "green", WARN: "yellow", FAIL: "bold red", SKIP: "dim"}


def print_checks(checks: Sequence[Check], console: Console) -> None:
    table = Table(title="vlmhyperbench doctor", show_lines=False)
    table.add_column("check")
    table.add_column("status")
    table.add_column("what was seen", overflow="fold")
    table.add_column("fix", overflow="fold")
    for check in checks:
        style = STYLES.get(check.status, "")
        table.add_row(check.name, f"[{style}]{check.status}[/{style}]", check.summary, check.fix or "")
    console.print(table)
    failed = [check for check in checks if check.failed]
    if failed:
        console.print(f"[bold red]{len(failed)} check(s) failed:[/bold red]")
        for check in failed:
            line = f"  {check.name}: {check.summary}" + (f"\n    fix: {check.fix}" if check.fix else "")
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    else:
        console.print("[green]all checks passed[/green]")


def to_json(checks: Sequence[Check]) -> str:
    return json.dumps(
        {"ok": not any(c.failed for c in checks), "checks": [c.to_dict() for c in checks]}, indent=2
    )
