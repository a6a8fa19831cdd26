"""Energy from NVML's counter: the arithmetic with a fake counter, and an absent figure (with its reason)
where there is no counter, as on this CPU machine."""

from __future__ import annotations

import pytest

from vlmhyperbench.figures import FIGURES, JOULES_PER_IMAGE, JOULES_PER_OUTPUT_TOKEN
from vlmhyperbench.perf.energy import NO_CHANGE, joules_per, open_energy_counter, track_energy
from vlmhyperbench.perf.measurement import GenerationMeasurement
from vlmhyperbench.perf.summary import energy_note, summarize


class FakeCounter:
    """NVML's total-energy counter as a list of readings in millijoules."""

    def __init__(self, *readings: int, fail_at: int | None = None) -> None:
        self.readings, self.reads, self.fail_at, self.closed = list(readings), 0, fail_at, False
        self.devices = ["Fake GPU"]

    def read_mj(self) -> int:
        self.reads += 1
        if self.fail_at == self.reads:
            raise RuntimeError("NVMLError_Unknown")
        return self.readings.pop(0)

    def close(self) -> None:
        self.closed = True


def measurement(
    energy_j: float | None, tokens: list[int], reason: str | None = None
) -> GenerationMeasurement:
    return GenerationMeasurement(
        texts=["x"] * len(tokens), input_tokens=[10] * len(tokens), output_tokens=tokens, ttft_s=0.1,
        latency_s=1.0, images=len(tokens), new_tokens=max(tokens), fixed_length=True, energy_j=energy_j,
        energy_reason=reason,
    )  # fmt: skip


def test_joules_are_the_counter_difference_over_the_block() -> None:
    counter = FakeCounter(1_000_000, 1_150_500)  # mJ
    with track_energy(counter) as energy:
        pass
    assert energy.joules == pytest.approx(150.5) and energy.reason is None
    assert energy.devices == ("Fake GPU",) and counter.closed


def test_joules_per_output_token_and_per_image() -> None:
    m = measurement(150.0, [100, 50])  # 2 sequences, one image each
    assert JOULES_PER_OUTPUT_TOKEN.value(m) == pytest.approx(1.0)
    assert JOULES_PER_IMAGE.value(m) == pytest.approx(75.0)
    assert joules_per(None, 10) is None and joules_per(5.0, 0) is None
    assert not JOULES_PER_OUTPUT_TOKEN.higher_is_better and "joules_per_image" in FIGURES


def test_a_counter_that_does_not_move_or_fails_gives_no_figure_but_a_reason() -> None:
    with track_energy(FakeCounter(500, 500)) as still:
        pass
    assert still.joules is None and still.reason == NO_CHANGE
    broken = FakeCounter(500, 900, fail_at=2)
    with track_energy(broken) as failed:
        pass
    assert failed.joules is None and "NVMLError_Unknown" in (failed.reason or "") and broken.closed


def test_the_blocks_own_error_propagates_and_the_counter_is_closed() -> None:
    counter = FakeCounter(1, 2)
    with pytest.raises(ZeroDivisionError), track_energy(counter):
        1 / 0  # noqa: B018
    assert counter.closed


def test_on_cpu_the_figure_is_absent_with_a_reason() -> None:
    torch = pytest.importorskip("torch")
    reason = open_energy_counter(torch.device("cpu"))
    assert isinstance(reason, str) and "NVIDIA" in reason
    with track_energy(reason) as energy:
        pass
    assert energy.joules is None and energy.reason == reason
    rounds = [measurement(None, [4], reason), measurement(None, [4], reason)]
    metrics = summarize(rounds)
    assert metrics["joules_per_output_token"] is None and metrics["joules_per_image"] is None  # absent, not 0
    assert energy_note(rounds) == {"joules": [None, None], "measured": 0, "reasons": [reason]}
