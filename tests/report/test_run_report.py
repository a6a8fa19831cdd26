"""report.md, a self-contained report.html (checked in headless Chromium) and summary.json."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.results.summaries import run_section
from vlmhyperbench.data import Sample
from vlmhyperbench.eval import aggregate, score_answers
from vlmhyperbench.eval.metrics import METRICS
from vlmhyperbench.report.run_report import write_run_report
from vlmhyperbench.runs import RunResult
from vlmhyperbench.runs.summary import write_summary

METRIC_NAMES = ["cer", "wer", "anls", "bleu", "exact_match"]


def _summary_and_rows() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    samples = [
        Sample("p1", "test", "a.png", "q", "ИВАНОВ", "passport", "surname"),
        Sample("p2", "test", "a.png", "q", "12.03.1990", "passport", "birth_date"),
        Sample("s1", "test", "b.png", "q", "112-233-445 95", "snils", "number"),
        Sample("i1", "test", "c.png", "q", "500100732259", "inn", "number"),
    ]
    answers = {"p1": "Иванов", "p2": "12.03.1991", "s1": "112-233-445 95", "i1": "нет | ответа"}
    rows = score_answers(samples, answers, METRIC_NAMES)
    tables = aggregate(rows, METRIC_NAMES)
    batches = [
        {
            "batch_size": 2,
            "latency_s": 0.5 + i / 10,
            "output_tokens_per_s": 30.0 + i,
            "images_per_s": 4.0 - i / 5,
        }
        for i in range(6)
    ]
    summary = {
        "run": run_section(questions=4, inference_wall_s=3.0),
        "config": {"model": "dummy:tiny-qwen2-vl", "batch_size": 2, "generation": {"max_new_tokens": 8}},
        "model": {"model": "dummy:tiny-qwen2-vl", "device": "cpu", "dtype": "float32"},
        "dataset": {"path": "data/set", "questions": 4, "images": 3, "doc_class": {}},
        "metrics": {
            m: {
                "higher_is_better": METRICS.get(m).higher_is_better,
                "description": METRICS.get(m).description,
            }
            for m in METRIC_NAMES
        },
        "general": {**tables["general"][0], "extra_nan": float("nan")},
        "by_doc_type": tables["by_doc_type"],
        "by_doc_question": tables["by_doc_question"],
        "speed": {
            "summary": {
                "latency_s": 0.75,
                "latency_s_p50": 0.7,
                "latency_s_p90": 1.0,
                "latency_s_p99": 1.05,
                "peak_memory_allocated_bytes": 3 * 2**20,
            },
            "batches": batches,
        },
        "environment": {"python": "3.12.0", "torch": "2.10.0", "gpu": None},
    }
    return summary, rows


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    summary, rows = _summary_and_rows()
    out = tmp_path_factory.mktemp("report")
    result = RunResult(out, out / "answers.csv", len(rows), len(rows), {}, summary, rows=rows)
    return {"summary": write_summary(out, summary), **write_run_report(result)}


def test_summary_json_is_strict_json_with_environment(report: dict[str, Path]) -> None:
    text = report["summary"].read_text(encoding="utf-8")
    assert "NaN" not in text
    data = json.loads(text)
    assert data["general"]["extra_nan"] is None
    assert data["environment"]["python"] == "3.12.0"
    assert data["general"]["count"] == 4


def test_markdown_tables(report: dict[str, Path]) -> None:
    text = report["report_md"].read_text(encoding="utf-8")
    assert "# Quality report: dummy:tiny-qwen2-vl" in text
    assert "| count | cer ↓ | wer ↓ | anls ↑ | bleu ↑ | exact_match ↑ |" in text
    assert "## By document type" in text and "| passport | 2 |" in text
    assert "| latency (p90) | 1 s |" in text and "| latency (mean) | 750 ms |" in text
    assert "| peak memory allocated (max) | 3 MiB |" in text
    assert "| time to first token (mean) | - |" in text  # every declared figure has a row
    assert "нет \\| ответа" in text  # a pipe in an answer does not break the table


def test_html_is_self_contained(report: dict[str, Path]) -> None:
    text = report["report_html"].read_text(encoding="utf-8")
    assert text.count('src="data:image/png;base64,') == 4  # doc type, doc x question, latency, throughput
    assert "http://" not in text and "https://" not in text
    assert "<link" not in text and "<script" not in text


@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs Debian's chromium (apt-get install chromium)"
)
def test_html_renders_in_headless_chromium(report: dict[str, Path], tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,1600",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            report["report_html"].as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
    assert rgb.size == (1200, 1600)
    small = rgb.resize((300, 400))
    colours = small.getcolors(maxcolors=300 * 400) or []
    non_white = sum(count for count, colour in colours if min(colour) < 240)
    assert non_white > 0.05 * 300 * 400, "the page is (almost) blank"
    assert len(colours) > 50, "no plots: too few distinct colours"
    # the title bar's underline colour (#4c72b0) and the plot bars are drawn
    assert any(abs(c[0] - 0x4C) < 12 and abs(c[1] - 0x72) < 12 and abs(c[2] - 0xB0) < 12 for _, c in colours)


def test_dummy_models_carry_a_warning(report: dict[str, Path]) -> None:
    assert "random weights" in report["report_md"].read_text(encoding="utf-8")
    assert "class=warn" in report["report_html"].read_text(encoding="utf-8")
