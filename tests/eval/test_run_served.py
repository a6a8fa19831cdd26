"""Quality runs through a real `transformers serve`: concurrent answers written once, the same answers as
in-process, the key never written, and a server killed mid-run resumed with nothing lost or duplicated."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.serve.servers import SERVED_PRESET, Served, serve_saved_model
from vlmhyperbench.data.synth import synthesize
from vlmhyperbench.eval.config import Generation, RunConfig, ServerSettings
from vlmhyperbench.evaluate import run_evaluation
from vlmhyperbench.serve.client import ServerError
from vlmhyperbench.serve.launch import stop_server

SECRET = "sk-run-0123456789-must-not-leak"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset")
    synthesize(root, n=2, seed=0, doc_classes=["snils", "inn"])  # 3 + 4 questions
    return root


def config(model: str, dataset: Path, out: Path, **server: object) -> RunConfig:
    return RunConfig(
        model=model,
        dataset=dataset,
        out=out,
        device="cpu",
        dtype="float32",
        batch_size=7,
        generation=Generation(max_new_tokens=6),
        server=ServerSettings(**server),  # type: ignore[arg-type]
    )


def answer_rows(out: Path) -> list[list[str]]:
    with (out / "answers.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))[1:]


@pytest.fixture(scope="module")
def in_process(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("local") / "run"
    run_evaluation(config(SERVED_PRESET, dataset, out), show_progress=False, report=False)
    return dict((row[0], row[1]) for row in answer_rows(out))


def test_concurrent_answers_equal_in_process_and_keep_no_key(
    served: Served, dataset: Path, in_process: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VLMHYPERBENCH_API_KEY", SECRET)
    out = tmp_path / "served"
    result = run_evaluation(
        config(f"openai:{served.model}", dataset, out, base_url=served.base_url, concurrency=4),
        show_progress=False,
    )
    rows = answer_rows(out)
    assert len(rows) == len({r[0] for r in rows}) == result.questions == 7  # each answer written once
    assert dict((r[0], r[1]) for r in rows) == in_process  # greedy, same weights: the same answers
    assert result.summary["model"]["concurrency"] == 4
    for path in [*out.rglob("*"), served.log]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.slow  # starts two servers of its own
def test_a_server_killed_mid_run_stops_it_and_resume_finishes(
    saved_model: Path, dataset: Path, in_process: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    with serve_saved_model(saved_model, tmp_path / "first.log") as server:

        def kill_after_two(answered: int) -> None:
            if answered == 2:
                stop_server(server.launched)

        settings = config(
            f"openai:{server.model}", dataset, out, base_url=server.base_url, concurrency=2, retries=1
        )
        with pytest.raises(
            ServerError, match=rf"server {server.base_url}: \d+ of 7 requests failed"
        ) as caught:
            run_evaluation(settings, show_progress=False, on_batch_done=kill_after_two)
    assert "answers were kept" in str(caught.value)
    kept = answer_rows(out)
    assert 2 <= len(kept) < 7
    with serve_saved_model(saved_model, tmp_path / "second.log") as server:
        resumed = config(f"openai:{server.model}", dataset, out, base_url=server.base_url, concurrency=2)
        result = run_evaluation(resumed, resume=True, show_progress=False)
    rows = answer_rows(out)
    assert result.answered_now == 7 - len(kept)
    assert sorted(r[0] for r in rows) == sorted(in_process)  # every question once: none lost, none twice
    assert dict((r[0], r[1]) for r in rows) == in_process
