"""Fault catalogue, issue 25 item 4 and its lines of item 6: hostile files, through the real CLI.

A link planted in a run folder is never written through; a run.json that is not a run record is one
line; a YAML `!!python/...` tag is refused by the safe loader; HTML in a model name (a served model's id,
which the server chooses) and in doc classes is escaped in report.html, report.md, compare.md and the
bench Markdown; the classification and sorting layouts refuse links out of the set, bombs and
non-images, and name a malformed JSON rather than ignore it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.fault_server import running

Cli = Callable[..., "subprocess.CompletedProcess[str]"]  # the `cli` fixture (tests/faults/conftest.py)
OneLineError = Callable[..., str]  # the `one_line_error` fixture
HTML = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("name", ["answers.csv", ".lock", "run.json", "speed.jsonl", "dataset"])
def test_a_link_planted_in_the_run_folder_is_never_written_through(
    cli: Cli, one_line_error: OneLineError, tiny_dataset: Path, tmp_path: Path, name: str
) -> None:
    users = tmp_path / "users-file.txt"
    users.write_text("mine\n", encoding="utf-8")
    out = tmp_path / "run"
    out.mkdir()
    (out / name).symlink_to(users)
    with running("ok") as server:
        result = cli("run", "--model", "openai:fault", "--base-url", server.base_url, "--dataset",
                     tiny_dataset, "--out", out, "--resume" if name == "answers.csv" else "--limit", *(
                         [] if name == "answers.csv" else ["3"]))  # fmt: skip
    output = one_line_error(result)
    assert "holds symbolic links" in output and name in output
    assert users.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("content", ["not json {", "[1, 2]", '{"dataset": "x"}'])
def test_a_run_json_that_is_not_a_run_record_is_one_line(
    cli: Cli, one_line_error: OneLineError, tiny_dataset: Path, tmp_path: Path, content: str
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text(content, encoding="utf-8")
    output = one_line_error(cli("run", "--model", "openai:fault", "--base-url", "http://127.0.0.1:9/v1",
                                "--dataset", tiny_dataset, "--out", out))  # fmt: skip
    assert f"{out / 'run.json'} is not a run record" in output


def test_a_yaml_python_tag_is_refused_by_the_safe_loader(
    cli: Cli, one_line_error: OneLineError, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    config = tmp_path / "run.yaml"
    config.write_text(f'model: !!python/object/apply:os.system ["touch {marker}"]\n', encoding="utf-8")
    output = one_line_error(cli("run", config))
    assert "line 1:" in output and "python/object/apply:os.system" in output and "safe loader" in output
    assert len(output.strip().splitlines()) == 1 and not marker.exists()


def test_html_in_a_model_name_and_doc_class_is_escaped_in_every_report(cli: Cli, tmp_path: Path) -> None:
    from vlmhyperbench.data.synth import synthesize

    dataset = tmp_path / "dataset"
    synthesize(dataset, n=1, seed=0, doc_classes=["snils"])
    annotation = dataset / "annotation.csv"
    lines = annotation.read_text(encoding="utf-8").splitlines()
    rows = [lines[0]] + [line.replace(";snils;", f";snils{HTML};") for line in lines[1:]]
    annotation.write_text("\n".join(rows) + "\n", encoding="utf-8")
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text("default: 'Q: {question}'\n", encoding="utf-8")
    with running("ok", model=HTML) as server:
        run = cli("run", "--model", f"openai:{HTML}", "--base-url", server.base_url, "--dataset", dataset,
                  "--out", tmp_path / "run", "--prompt-fallback")  # fmt: skip
        assert run.returncode == 0, run.stderr
        results = tmp_path / "results"
        bench = cli("bench", "--model", f"openai:{HTML}", "--base-url", server.base_url, "--results",
                    results, "--num-prompts", "2", "--new-tokens", "4", "--markdown",
                    tmp_path / "bench.md")  # fmt: skip
        assert bench.returncode == 0, bench.stderr
    [saved] = results.glob("*/*/0001_bench_*.json")
    compare = cli("compare", "runs", saved, saved, "--out", tmp_path / "compare")
    assert compare.returncode == 0, compare.stderr
    reports = [tmp_path / "run" / "report.html", tmp_path / "run" / "report.md", tmp_path / "bench.md",
               *(tmp_path / "compare").rglob("*.md"), *(tmp_path / "compare").rglob("*.html")]  # fmt: skip
    assert len(reports) >= 4
    for report in reports:
        text = report.read_text(encoding="utf-8")
        assert HTML not in text and "<img src=x" not in text, report
    assert "&lt;img" in (tmp_path / "bench.md").read_text(encoding="utf-8")


def _classification_set(cli: Cli, tmp_path: Path) -> Path:
    root = tmp_path / "classes"
    made = cli("data", "synth", "--out", root, "--task", "classification", "--n", "3")
    assert made.returncode == 0, made.stderr
    return root


def _sorting_set(cli: Cli, tmp_path: Path) -> Path:
    root = tmp_path / "pages"
    made = cli("data", "synth", "--out", root, "--task", "sorting", "--n", "2")
    assert made.returncode == 0, made.stderr
    return root


def test_task_layouts_refuse_links_out_of_the_set(cli: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    from PIL import Image

    Image.new("RGB", (8, 8)).save(outside)
    classes = _classification_set(cli, tmp_path)
    page = next(classes.glob("*/images/*/*.*"))
    (page.parent / "planted.png").symlink_to(outside)
    checked = cli("data", "check", classes, "--task", "classification")
    assert checked.returncode == 1 and "planted.png" in checked.stdout + checked.stderr
    assert "link out of the dataset folder" in checked.stdout + checked.stderr

    pages = _sorting_set(cli, tmp_path)
    doc = next(pages.glob("images/*/0"))
    (doc / "0.jpg").unlink()
    (doc / "0.jpg").symlink_to(outside)
    checked = cli("data", "check", pages, "--task", "sorting")
    assert checked.returncode == 1 and "link out of the dataset folder" in checked.stdout + checked.stderr


def test_task_layouts_refuse_a_bomb_and_a_non_image_and_name_a_malformed_json(
    cli: Cli, tmp_path: Path
) -> None:
    from PIL import Image

    classes = _classification_set(cli, tmp_path)
    folder = next(classes.glob("*/images/*/"))
    Image.new("1", (20_000, 20_000)).save(folder / "bomb.png")  # 400 Mpx: over PIL's bomb limit
    (folder / "fake.jpg").write_bytes(b"not an image at all")
    checked = cli("data", "check", classes, "--task", "classification")
    output = checked.stdout + checked.stderr
    assert checked.returncode == 1 and "Traceback" not in output
    assert "too large to decode safely" in output and "fake.jpg" in output

    pages = _sorting_set(cli, tmp_path)
    (pages / "jsons" / "7.json").write_text('{"fields": {"loan": [0, 1', encoding="utf-8")
    checked = cli("data", "check", pages, "--task", "sorting")
    output = checked.stdout + checked.stderr
    assert checked.returncode == 1 and "jsons/7.json" in output and "not valid UTF-8 JSON" in output
    shutil.rmtree(pages)
