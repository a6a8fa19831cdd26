"""Fault catalogue, issue 13 items 7, 10 and 11: report.md shows hostile text as text; the recorded git commit
is vlmhyperbench's own, never that of the repository a command runs from; results name no local path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.results.summaries import run_section
from vlmhyperbench.data import Sample
from vlmhyperbench.env.info import git_sha, portable_path, portable_source, source_checkout
from vlmhyperbench.eval import aggregate, score_answers
from vlmhyperbench.eval.metrics import METRICS
from vlmhyperbench.report.format import md_escape
from vlmhyperbench.report.run_report import render_markdown

SCRIPT = "<script>alert(1)</script>"
SVG = "<svg onload=alert(2)>"
IMG = '<img src=x onerror="alert(3)">'


def test_10_report_md_escapes_html_from_answers_doc_classes_and_question_types() -> None:
    names = ["exact_match", "anls"]
    samples = [
        Sample("1", "test", "a.png", "q", "ИВАНОВ", SVG, SCRIPT),
        Sample("2", "test", "a.png", "q", "12", "inn", "number"),
    ]
    rows = score_answers(samples, {"1": IMG, "2": "[link](javascript:alert(4))"}, names)
    tables = aggregate(rows, names)
    summary = {
        "run": run_section(questions=2, inference_wall_s=1.0),
        "dataset": {"path": "data/set", "questions": 2, "images": 1, "doc_class": {}},
        "model": {},
        "config": {"model": "dummy:<b>tiny</b>", "batch_size": 1, "generation": {"max_new_tokens": 4}},
        "metrics": {
            m: {
                "higher_is_better": METRICS.get(m).higher_is_better,
                "description": METRICS.get(m).description,
            }
            for m in names
        },
        "general": tables["general"][0],
        "by_doc_type": tables["by_doc_type"],
        "by_doc_question": tables["by_doc_question"],
        "speed": None,
        "environment": {},
    }
    text = render_markdown(summary, rows)
    for raw in (SCRIPT, SVG, IMG, "<b>", "[link]("):
        assert raw not in text
    assert "&lt;svg onload=alert(2)&gt;" in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "\\[link\\](javascript:alert(4))" in text


def test_md_escape_keeps_a_cell_one_cell_on_one_line() -> None:
    assert md_escape("a|b\r\nc\\d") == "a\\|b c\\\\d"
    assert md_escape("exact_match 5 * 3") == "exact_match 5 * 3"


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_7_the_commit_recorded_is_not_the_current_directorys_repository(tmp_path: Path) -> None:
    other = tmp_path / "someone-elses-repo"
    other.mkdir()
    _git("init", "-q", cwd=other)
    (other / "f").write_text("x", encoding="utf-8")
    _git("add", "f", cwd=other)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x", cwd=other)
    theirs = _git("rev-parse", "HEAD", cwd=other)
    recorded = subprocess.run(
        [
            sys.executable,
            "-c",
            "from vlmhyperbench.env.info import collect_environment as c; print(c()['git_sha'])",
        ],
        cwd=other,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert theirs not in recorded
    assert recorded == str(git_sha())  # ours (an editable checkout) or None (an installed package)


def test_7_an_installed_copy_inside_another_repository_has_no_commit(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # a project repository with a virtual environment inside it
    package = tmp_path / ".venv" / "lib" / "python3.12" / "site-packages" / "vlmhyperbench"
    package.mkdir(parents=True)
    assert source_checkout(package) is None
    checkout = tmp_path / "checkout"
    (checkout / "src" / "vlmhyperbench").mkdir(parents=True)
    (checkout / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")  # a worktree's .git is a file
    assert source_checkout(checkout / "src" / "vlmhyperbench") == checkout


CHECKOUT = Path(__file__).resolve().parents[2]


def test_11_the_environment_names_no_absolute_local_path(tmp_path: Path) -> None:
    """`executable` and `install_source` go into summary.json and every speed record (shared, uploaded)."""
    script = "import json; from vlmhyperbench.env.info import collect_environment; "
    script += "print(json.dumps(collect_environment()))"
    env = {**os.environ, "HOME": str(CHECKOUT.parent)}  # a home above the checkout: the checkout wins
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, check=True)  # fmt: skip
    facts = json.loads(done.stdout)
    texts = [str(value) for value in facts.values() if isinstance(value, str)]
    assert not [t for t in texts if str(CHECKOUT.parent) in t or str(tmp_path) in t], facts
    if source_checkout() is not None and Path(sys.executable).is_relative_to(CHECKOUT):  # editable, .venv
        assert facts["executable"] == "<checkout>/" + Path(sys.executable).relative_to(CHECKOUT).as_posix()
        assert facts["install_source"] == "file:<checkout>"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/ann/src/vlmhyperbench/.venv/bin/python", "<checkout>/.venv/bin/python"),
        ("/home/ann/src/vlmhyperbench", "<checkout>"),
        ("/home/ann/.cache/vlmhyperbench/ab/1234/bin/python", "~/.cache/vlmhyperbench/ab/1234/bin/python"),
        ("/home/ann", "~"),
        ("/usr/bin/python3.12", "/usr/bin/python3.12"),  # the system's, not the user's: as it is
        ("/home/annette/python", "/home/annette/python"),  # not under /home/ann
    ],
)
def test_portable_path(path: str, expected: str) -> None:
    checkout, home = Path("/home/ann/src/vlmhyperbench"), Path("/home/ann")
    assert portable_path(path, checkout=checkout, home=home) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///home/ann/src/vlmhyperbench", "file:<checkout>"),
        ("file:///home/ann/wheels/vlmhyperbench.whl", "file:~/wheels/vlmhyperbench.whl"),
        (
            "https://ann:ghp_secret@github.com/org/vlmhyperbench.git",
            "https://github.com/org/vlmhyperbench.git",
        ),
        ("https://github.com/org/vlmhyperbench.git", "https://github.com/org/vlmhyperbench.git"),
        ("index", "index"),
    ],
)
def test_portable_source(url: str, expected: str) -> None:
    checkout, home = Path("/home/ann/src/vlmhyperbench"), Path("/home/ann")
    assert portable_source(url, checkout=checkout, home=home) == expected
