"""Reading a class label or a page order out of a model's free-text answer; never raises.

Modelled on upstream VLMHyperBench's parsers (VLMHyperBenchTeam/vlmhyperbench_playground
`check_classification.py` `get_prediction`: the answer is the index of a class in the prompt's list; the
page-sorting script's `process_model_response`: a JSON object `{"ordered_pages": [...]}`, in a ```json
block or bare, else the first `[...]` list of numbers, else the numbers in the text). Ours also accepts a
class named by its key or display name, as chat models often answer that way. An answer that yields
nothing is None: the scorer counts it as unparsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

_INTEGER = re.compile(r"(?<!\d)\d+(?!\d)")
_FENCED = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_OBJECT = re.compile(r"\{.*?\}", re.DOTALL)
_LIST = re.compile(r"\[\s*\d+(?:\s*,\s*\d+)*\s*\]")
ORDER_KEY = "ordered_pages"


def parse_class(text: str, classes: Mapping[str, str]) -> str | None:
    """The class key an answer names: its index in `classes` (the prompt's numbered list), its key or its
    display name (case-insensitive, whole words). None when it names no class or several."""
    keys = list(classes)
    bare = text.strip().strip("\"'«»`").rstrip(".").strip()
    if bare.isdigit():
        index = int(bare)
        return keys[index] if index < len(keys) else None
    lowered = text.casefold()
    named = {
        key
        for key, name in classes.items()
        for word in (key, name)
        if word and re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", lowered)
    }
    numbers = _INTEGER.findall(text)
    if len(numbers) == 1 and int(numbers[0]) < len(keys):
        named.add(keys[int(numbers[0])])
    return named.pop() if len(named) == 1 else None


def _pages_in(value: object) -> list[int] | None:
    if (
        isinstance(value, list)
        and value
        and all(isinstance(p, int) and not isinstance(p, bool) for p in value)
    ):
        return list(value)
    return None


def parse_order(text: str, pages: int) -> list[int] | None:
    """The page order an answer gives (1-based page numbers as shown), None when none can be read.

    Tried in turn: `{"ordered_pages": [...]}` (fenced or bare), the first `[...]` list of integers, the
    first `pages` integers of the text. The result may still not be a permutation: the scorer checks.
    """
    for block in [*_FENCED.findall(text), *_OBJECT.findall(text)]:
        try:
            found = json.loads(block.strip())
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict) and (order := _pages_in(found.get(ORDER_KEY))) is not None:
            return order
    listed = _LIST.search(text)
    if listed:
        return [int(n) for n in _INTEGER.findall(listed.group(0))]
    numbers = [int(n) for n in _INTEGER.findall(text)]
    return numbers[:pages] if len(numbers) >= pages else None
