"""Requests from the user's dataset: each question with its own page and prompt, cycled per seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from vlmhyperbench.data import load_dataset, load_prompts, synthesize
from vlmhyperbench.errors import DataError, UsageError
from vlmhyperbench.serve.requests import builtin_items, dataset_items, request_cycle


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data") / "synth"
    synthesize(root, n=3, seed=0)
    return root


def test_each_question_goes_with_its_own_page_and_prompt(dataset: Path) -> None:
    items = list(dataset_items(str(dataset)))
    loaded = load_dataset(dataset)
    prompts = load_prompts(None)
    assert [i for _, _, i in items] == [s.id for s in loaded.samples]
    for (image, prompt, _), sample in zip(items, loaded.samples, strict=True):
        assert image == loaded.image_file(sample)
        assert prompt == prompts.user_text(sample) and sample.question in prompt
    requests = request_cycle(items, 2 * len(items) + 1, seed=5)
    assert requests == request_cycle(items, 2 * len(items) + 1, seed=5)  # deterministic per seed
    assert [r.id for r in requests] != [r.id for r in request_cycle(items, 2 * len(items) + 1, seed=6)]
    first = [r.id for r in requests[: len(items)]]
    assert sorted(first) == sorted(i for _, _, i in items)  # every question before any repeats
    assert [r.id for r in requests[len(items) : 2 * len(items)]] == first  # then the same order again
    by_id = {s.id: s for s in loaded.samples}
    for request in requests:
        assert request.image_url.startswith("data:image/png;base64,")
        assert by_id[request.id].question in request.prompt
    same_page = {r.image_url for r in requests if r.id == requests[0].id}
    assert len(same_page) == 1  # encoded once, sent as often as it comes round


def test_builtin_pages_and_bad_sources() -> None:
    from PIL import Image

    items = builtin_items([Image.new("RGB", (8, 8), "white")], "Total?")
    [request] = request_cycle(items, 1)
    assert request.id == "page-0" and request.prompt == "Total?"
    with pytest.raises(UsageError, match="--dataset"):
        list(dataset_items("/nonexistent/folder"))
    with pytest.raises(DataError, match="no questions"):
        request_cycle([], 3)
    with pytest.raises(DataError, match="request q1: cannot read image"):
        request_cycle([(Path("/nonexistent.png"), "p", "q1")], 1)
