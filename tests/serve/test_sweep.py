"""`--strict-rate`: which stored cases fell behind their planned send rate, and what the message says."""

from __future__ import annotations

from vlmhyperbench.perf.bench import BenchCase, BenchRun
from vlmhyperbench.serve.shapes import send_report
from vlmhyperbench.serve.sweep import behind_schedule


def case(label: str, planned: list[float], sent: list[float]) -> BenchCase:
    info = {"config": {"preset": "m"}, "serving": send_report(planned, sent)}
    return BenchCase(label, 1, [], info)


def test_only_cases_more_than_five_percent_behind_are_named() -> None:
    planned = [0.0, 0.5, 1.0, 1.5, 2.0]  # 2 req/s
    run = BenchRun("m")
    run.cases = [
        case("served-r2", planned, [0.0, 0.51, 1.01, 1.52, 2.04]),  # 2 % behind: kept
        case("served-r2-b0.5", planned, [0.0, 1.0, 2.0, 3.0, 4.0]),  # a slot free every second
        case("served-rinf", [0.0] * 5, [0.0] * 5),  # all at once: no rate to fall behind
    ]
    [late] = behind_schedule(run)
    assert late.startswith("test_generate[m-served-r2-b0.5-b1]: sent 1 req/s of the planned 2 (50.0% behind")
    assert "latest send 2 s late" in late
