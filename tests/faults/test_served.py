"""Fault catalogue, issue 25 item 1 and the served lines of item 6: `run` and `bench` against servers that
misbehave (tests/faults/fault_server.py on 127.0.0.1), through the real CLI in a subprocess.

Each fault ends in one `error:` line naming the URL and what went wrong, exit non-zero, never a traceback;
a failed request is never written as an answer, and `--resume` asks it again.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.fault_server import HOSTILE_SERVER, running

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture
MODEL = "openai:fault"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(out: Path) -> list[tuple[str, str]]:
    path = out / "answers.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return [(row[0], row[1]) for row in rows[1:]]


def _run(cli: Cli, base_url: str, dataset: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli("run", "--model", MODEL, "--base-url", base_url, "--dataset", dataset, "--out", out,
               "--retries", "0", "--request-timeout", "3", *extra, timeout=300)  # fmt: skip


def _bench(cli: Cli, base_url: str, results: Path, *extra: str | Path) -> subprocess.CompletedProcess[str]:
    return cli("bench", "--model", MODEL, "--base-url", base_url, "--results", results, "--num-prompts",
               "2", "--new-tokens", "4", "--retries", "0", "--request-timeout", "3", *extra,
               timeout=300)  # fmt: skip


def test_nothing_listening_is_one_line_naming_the_url(
    cli: Cli, one_line_error: OneLineError, tiny_dataset: Path, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    output = one_line_error(_run(cli, url, tiny_dataset, tmp_path / "run"))
    assert f"{url}/models does not answer" in output
    output = one_line_error(_bench(cli, url, tmp_path / "results"))
    assert f"{url}/models does not answer" in output


def test_a_wrong_model_name_names_what_the_server_offers(
    cli: Cli, one_line_error: OneLineError, tiny_dataset: Path, tmp_path: Path
) -> None:
    with running("ok", model="other") as server:
        output = one_line_error(_run(cli, server.base_url, tiny_dataset, tmp_path / "run"))
    assert "does not serve model 'fault'; it offers: other" in output


FAULTS = {
    "garbage": "no completion (empty, non-JSON or `{}` body)",
    "empty": "no completion (empty, non-JSON or `{}` body)",
    "malformed": "malformed stream chunk",
    "no-done": "the stream ended without a finish_reason after an answer",
    "stall": "timed out after 3 s",
    "huge": "answer longer than 1,000,000 characters",
    "unauthorized": "HTTP 401",
}


@pytest.mark.parametrize("mode", list(FAULTS))
def test_a_failed_request_is_a_failure_never_an_answer(
    cli: Cli, one_line_error: OneLineError, tiny_dataset: Path, tmp_path: Path, mode: str
) -> None:
    """A 200 with garbage or `{}`, a malformed chunk, a stream with no end, a stall past the timeout, a
    24 MB answer, a 401: the run exits non-zero naming the URL and the cause, writes no answer, and a
    `--resume` against a healthy server asks every question."""
    out = tmp_path / "run"
    with running(mode) as server:
        output = one_line_error(_run(cli, server.base_url, tiny_dataset, out))
    assert f"server {server.base_url}: 3 of 3 requests failed" in output and FAULTS[mode] in output, output
    assert _answers(out) == []
    with running("ok") as healthy:
        resumed = _run(cli, healthy.base_url, tiny_dataset, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert len(_answers(out)) == 3 and all(a.startswith("answer-") for _, a in _answers(out))


@pytest.mark.parametrize("mode", ["empty", "malformed", "stall"])
def test_a_bench_whose_requests_fail_saves_them_as_failed_and_exits_1(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path, mode: str
) -> None:
    results = tmp_path / "results"
    with running(mode) as server:
        output = one_line_error(_bench(cli, server.base_url, results, "--warmup", "0"), code=1)
    assert "2 of 2 measured requests failed" in output and FAULTS[mode] in output, output
    for saved in results.glob("*/*/*.json"):  # nothing measured is saved as a good (0-token) case
        assert json.loads(saved.read_text())["benchmarks"] == []


def test_a_bench_with_some_failed_requests_keeps_the_case_with_its_failed_count_and_exits_1(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path
) -> None:
    results = tmp_path / "results"
    with running("every-other") as server:
        output = one_line_error(_bench(cli, server.base_url, results, "--warmup", "0"), code=1)
    assert "1 of 2 measured requests failed (HTTP 400: this request is refused)" in output, output
    [saved] = results.glob("*/*/0001_bench_*.json")
    serving = json.loads(saved.read_text())["benchmarks"][0]["extra_info"]["serving"]
    assert serving["failed"] == 1 and serving["completed"] == 1


def test_a_share_of_permanent_failures_keeps_the_good_answers_and_resume_completes(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path
) -> None:
    from vlmhyperbench.data.synth import synthesize

    dataset = tmp_path / "dataset"
    synthesize(dataset, n=2, seed=0, doc_classes=["snils"])
    out = tmp_path / "run"
    with running("every-other") as server:
        output = one_line_error(_run(cli, server.base_url, dataset, out, "--concurrency", "2"))
    assert "3 of 6 requests failed (HTTP 400: this request is refused); 3 answers were kept" in output
    assert len(_answers(out)) == 3
    with running("ok") as healthy:
        resumed = _run(cli, healthy.base_url, dataset, out, "--resume", "--concurrency", "2")
    assert resumed.returncode == 0, resumed.stderr
    ids = [i for i, _ in _answers(out)]
    assert len(ids) == len(set(ids)) == 6


def test_sigkill_of_a_concurrency_8_run_twice_then_resume_loses_and_duplicates_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    from vlmhyperbench.data.synth import synthesize

    dataset = tmp_path / "dataset"
    synthesize(dataset, n=8, seed=0, doc_classes=["snils"])
    out = tmp_path / "run"
    command = [sys.executable, "-m", "vlmhyperbench.cli", "run", "--model", MODEL, "--dataset", str(dataset),
               "--out", str(out), "--concurrency", "8", "--retries", "0"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with running("slow") as server:
        for session in range(2):
            resume = ["--resume"] if session else []
            process = subprocess.Popen([*command, "--base-url", server.base_url, *resume], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            had = len(_answers(out))
            deadline = time.monotonic() + 120
            while len(_answers(out)) < had + 2 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            process.wait()
        done = cli(*command[3:], "--base-url", server.base_url, "--resume", timeout=300)
    assert done.returncode == 0, done.stderr
    ids = [i for i, _ in _answers(out)]
    total = sum(1 for _ in (dataset / "annotation.csv").open(encoding="utf-8")) - 1
    assert len(ids) == len(set(ids)) == total


def test_a_hostile_version_and_server_header_are_bounded_and_escaped(cli: Cli, tmp_path: Path) -> None:
    """A 20 MB `/version` is left out and an HTML `Server` header of 5 KB is cut and escaped: summary.json
    and the bench result stay small, and no report holds the raw tag."""
    results, markdown = tmp_path / "results", tmp_path / "bench.md"
    with running("hostile") as server:
        bench = _bench(cli, server.base_url, results, "--markdown", markdown)
    assert bench.returncode == 0, bench.stderr
    [saved] = results.glob("*/*/0001_bench_*.json")
    assert saved.stat().st_size < 200_000
    load = json.loads(saved.read_text())["benchmarks"][0]["extra_info"]["load"]
    assert "version" not in load["server"]
    header = load["server"]["headers"]["server"]
    assert header.startswith("<script>") and header.endswith("...[cut]") and len(header) < 600
    assert "<script>" not in markdown.read_text() and HOSTILE_SERVER not in bench.stdout


def test_a_launched_server_that_never_answers_gives_up_after_launch_timeout(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    never = f"{sys.executable} -c 'import time; time.sleep(120)'"
    started = time.monotonic()
    output = one_line_error(
        _bench(cli, url, tmp_path / "results", "--launch", never, "--launch-timeout", "2")
    )
    assert f"server did not answer {url} within 2 s (--launch-timeout)" in output
    assert time.monotonic() - started < 100  # not the 600 s default (a bound on hanging, not a speed claim)


def test_sigterm_to_bench_stops_the_launched_server(tmp_path: Path) -> None:
    port = _free_port()
    script = Path(__file__).with_name("fault_server.py")
    launch = f"{sys.executable} {script} --port {port} --mode slow"
    command = [sys.executable, "-m", "vlmhyperbench.cli", "bench", "--model", MODEL, "--base-url",
               f"http://127.0.0.1:{port}/v1", "--launch", launch, "--results", str(tmp_path / "results"),
               "--num-prompts", "200", "--new-tokens", "4", "--retries", "0"]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while not _listening(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _listening(port), "the launched server never came up"
    time.sleep(1.0)  # the sweep is under way
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0 and "Traceback" not in stderr, stderr
    assert not _listening(port), "the launched server outlived bench"


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
