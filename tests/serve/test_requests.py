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


def test_a_table_source_sends_each_rows_question_with_its_own_page(tmp_path: Path) -> None:
    """A parquet file in DocVQA's layout: each row's question is its prompt and its image its page, the
    questionId its id; a page is decoded from the table only when its request is made."""
    import base64
    import io

    from PIL import Image

    from tests.data.tables import docvqa

    rows = [("q1", "What is the date?", ["1 May"]), ("q2", "Total?", ["$12"]), ("q3", "Who?", ["Ann"])]
    docvqa(rows).to_parquet(str(tmp_path / "val.parquet"))
    items = dataset_items(str(tmp_path / "val.parquet"))
    assert [(prompt, item_id) for _, prompt, item_id in items] == [(q, i) for i, q, _ in rows]
    assert all(callable(image) for image, _, _ in items)  # nothing decoded before it is sent
    colors = {"q1": (255, 255, 255), "q2": (128, 128, 128), "q3": (255, 255, 0)}  # tables.docvqa's pages
    for request in request_cycle(items, 4, seed=1):
        data = base64.b64decode(request.image_url.split(",", 1)[1])
        with Image.open(io.BytesIO(data)) as page:
            assert page.convert("RGB").getpixel((0, 0)) == colors[request.id]


def test_a_table_without_an_image_or_question_column_is_one_line(tmp_path: Path) -> None:
    from tests.data.tables import docvqa

    docvqa([("q1", "Date?", ["1 May"])]).remove_columns(["image"]).to_parquet(str(tmp_path / "t.parquet"))
    with pytest.raises(DataError, match=r"t\.parquet: no column image \(the table has questionId, question"):
        dataset_items(str(tmp_path / "t.parquet"))
    docvqa([("q1", " ", ["1 May"])]).to_parquet(str(tmp_path / "e.parquet"))
    with pytest.raises(DataError, match=r"e\.parquet: row 0, column question: empty question"):
        dataset_items(str(tmp_path / "e.parquet"))
