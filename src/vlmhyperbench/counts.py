"""Comma-separated counts from the command line (`--batch 1,8,32`, `--concurrency 1,8,32`).

One parser so every such option accepts the same text and refuses bad parts with the same words.
"""

from __future__ import annotations

from vlmhyperbench.errors import UsageError


def parse_counts(text: str, name: str, option: str) -> list[int]:
    """`1,8,32` -> [1, 8, 32]; 0, a negative or a non-number is a UsageError naming `name` and `option`."""
    values = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            value = int(part)
        except ValueError:
            raise UsageError(f"{name} {part!r} is not a whole number (use e.g. {option} 1,8,32)") from None
        if value < 1:
            raise UsageError(f"{name} must be at least 1, got {value}")
        values.append(value)
    if not values:
        raise UsageError(f"no {name} given (use e.g. {option} 1,8,32)")
    return values
