"""The registry's unknown-name error lists what exists and, when a name is close, suggests it."""

from __future__ import annotations

import pytest

from vlmhyperbench.registry import Registry, UnknownNameError, did_you_mean


def test_an_unknown_name_lists_the_names_and_suggests_the_closest() -> None:
    colours: Registry[int] = Registry("colour")
    colours.add("magenta", 1)
    colours.add("cyan", 2)
    with pytest.raises(UnknownNameError) as raised:
        colours.get("magneta")
    assert str(raised.value) == "Unknown colour 'magneta'. Available: magenta, cyan; did you mean 'magenta'?"
    with pytest.raises(UnknownNameError) as raised:
        colours.get("ultraviolet")
    assert str(raised.value) == "Unknown colour 'ultraviolet'. Available: magenta, cyan"


def test_a_suggestion_can_carry_a_prefix() -> None:
    assert (
        did_you_mean("tiny-lava", ["tiny-llava", "qwen2-vl-2b"], "dummy:")
        == "; did you mean 'dummy:tiny-llava'?"
    )
    assert did_you_mean("xyz", ["tiny-llava"]) == ""
