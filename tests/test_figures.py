from __future__ import annotations

import pytest

from vlmhyperbench.figures import FIGURES, get_figure
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


def test_every_contract_figure_is_known() -> None:
    contract = {
        "ttft_s", "tpot_s", "decode_tokens_per_s", "output_tokens_per_s", "total_tokens_per_s",
        "images_per_s", "latency_s", "vision_s", "lm_s", "peak_memory_allocated_bytes",
        "peak_memory_reserved_bytes", "nvml_memory_used_bytes",
    }  # fmt: skip
    assert contract == set(FIGURES.names())


def test_aliases_and_memory_words() -> None:
    assert get_figure("ttft").name == "ttft_s"
    memory = get_figure("memory")
    assert (memory.name, memory.better, memory.worse) == ("peak_memory_allocated_bytes", "smaller", "larger")


def test_unknown_figure_lists_the_known_ones() -> None:
    with pytest.raises(
        UnknownNameError, match=r"Unknown figure 'tokens'\. Available: ttft_s, tpot_s, decode_tokens_per_s"
    ):
        get_figure("tokens")
