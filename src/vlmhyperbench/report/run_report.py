"""The report of a run, rendered from its `runs.RunResult`: `report.md` and a self-contained `report.html`.

The HTML needs nothing beside it: styles are inline and the plots (metric by doc type and by question type,
latency histogram, throughput per batch) are PNGs embedded as base64 data URIs.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vlmhyperbench.atomic import write_text_atomic
from vlmhyperbench.figures import FIGURES
from vlmhyperbench.report import plots
from vlmhyperbench.report.format import md_escape, md_row, number, readable
from vlmhyperbench.runs import RunResult
from vlmhyperbench.runs.summary import clean as _clean

# Whole-run throughput of any engine (runs.speed): all questions, or all pages, over the summed batch time.
RUN_THROUGHPUT = (
    ("pages_per_s", "pages/s (whole run)", "pages/s"),
    ("questions_per_s", "questions/s (whole run)", "q/s"),
)
EXAMPLES = 12


def speed_rows(speed: dict[str, Any]) -> list[list[str]]:
    """`figure (statistic) | value` for every declared figure's summary values, each in a readable unit."""
    return [
        [f"{figure.label} ({stat})", readable(speed.get(figure.key(stat)), figure.unit)]
        for figure in FIGURES
        for stat in figure.stats
    ]


def _metric_header(summary: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (name, f"{name} {'↑' if spec['higher_is_better'] else '↓'}")
        for name, spec in summary["metrics"].items()
    ]


def tables(
    summary: dict[str, Any], rows: Sequence[dict[str, Any]]
) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table in the report, rendered the same in Markdown and HTML."""
    metrics = _metric_header(summary)
    names = [m for m, _ in metrics]
    run, model, dataset = summary["run"], summary.get("model") or {}, summary["dataset"]
    out: list[tuple[str, list[str], list[list[str]]]] = [
        (
            "Run",
            ["setting", "value"],
            [
                *([["task", str(summary["task"])]] if "task" in summary else []),  # vlmhyperbench.tasks
                ["model", str(model.get("model") or summary["config"]["model"])],
                ["device / dtype", f"{model.get('device', '-')} / {model.get('dtype', '-')}"],
                ["dataset", dataset["path"]],
                ["prompts", str((summary.get("prompts") or {}).get("source", "-"))],
                ["degradation", str(dataset.get("degradation") or "-")],
                ["questions / images", f"{dataset['questions']} / {dataset['images']}"],
                ["answered", str(run["answered"])],
                ["not answerable by this engine (left out)", str(run.get("not_answerable", 0))],
                ["batch size", str(summary["config"]["batch_size"])],
                ["max new tokens", str(summary["config"]["generation"]["max_new_tokens"])],
                ["started / finished (UTC)", f"{run['started']} / {run['finished']}"],
                ["resumed", str(run["resumed"])],
                ["scoring", _scoring_line(summary)],
            ],
        ),
        (
            "Overall",
            ["count", *[h for _, h in metrics]],
            [[number(summary["general"].get("count")), *[number(summary["general"].get(m)) for m in names]]],
        ),
        *_upstream_table(summary),
        (
            "By document type",
            ["doc_class", "count", *[h for _, h in metrics]],
            [
                [str(r["doc_class"]), number(r["count"]), *[number(r.get(m)) for m in names]]
                for r in summary["by_doc_type"]
            ],
        ),
        (
            "By document and question type",
            ["doc_class", "question_type", "count", *[h for _, h in metrics]],
            [
                [
                    str(r["doc_class"]),
                    str(r["question_type"]),
                    number(r["count"]),
                    *[number(r.get(m)) for m in names],
                ]
                for r in summary["by_doc_question"]
            ],
        ),
    ]
    if "task" in summary and not summary["by_doc_question"]:  # a task without questions: no such table
        out = [t for t in out if t[0] != "By document and question type"]
    speed = (summary.get("speed") or {}).get("summary") or {}
    if speed:
        out.append(
            (
                "Speed",
                ["figure", "value"],
                speed_rows(speed)
                + [[label, readable(speed.get(key), unit)] for key, label, unit in RUN_THROUGHPUT],
            )
        )
    out.append(
        (
            f"Examples (first {min(EXAMPLES, len(rows))} of {len(rows)})",
            ["id", "answer", "model answer", *[h for _, h in metrics]],
            [
                [str(r["id"]), str(r["answer"]), str(r["model_answer"]), *[number(r.get(m)) for m in names]]
                for r in rows[:EXAMPLES]
            ],
        )
    )
    env = summary.get("environment") or {}
    out.append(("Environment", ["fact", "value"], [[k, number(v)] for k, v in env.items()]))
    return out


def _scoring_line(summary: dict[str, Any]) -> str:
    profile = (summary.get("scoring") or {}).get("profile", "default")
    if profile == "upstream":
        return "upstream: answers_*.csv are metric_evaluator 0.1.1's tables; the other tables: default"
    return str(profile)


def _upstream_table(summary: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """With `scoring: upstream`, metric_evaluator 0.1.1's figures per doc class and overall (BLEU 0..100)."""
    scoring = summary.get("scoring") or {}
    if scoring.get("profile") != "upstream":
        return []
    names = list(scoring["metrics"])
    rows = [*scoring["by_doc_type"], {"doc_class": "all", **scoring["general"]}]
    return [
        (
            "Upstream profile (metric_evaluator 0.1.1)",
            ["doc_class", "count", *names],
            [[str(r["doc_class"]), number(r["count"]), *[number(r.get(m)) for m in names]] for r in rows],
        )
    ]


def _direction(spec: dict[str, Any]) -> str:
    return "higher is better" if spec["higher_is_better"] else "lower is better"


def dummy_note(summary: dict[str, Any]) -> str | None:
    """A warning for `dummy:` models (random weights: the scores only show that the pipeline works), or the
    engine's own caveat (tesseract: an oracle-layout baseline)."""
    engine_note = (summary.get("model") or {}).get("note")
    if engine_note:
        return str(engine_note)
    if str(summary["config"]["model"]).startswith("dummy:"):
        return (
            "This model is a dummy preset with random weights: its answers are noise and the scores only "
            "show that the pipeline works. Use a real model (a Hugging Face id or a local folder) to "
            "measure quality."
        )
    return None


def render_markdown(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    lines = [f"# Quality report: {md_escape(str(summary['config']['model']))}", ""]
    note = dummy_note(summary)
    if note:
        lines += [f"> **Note:** {note}", ""]
    lines.append(
        "Metrics: "
        + "; ".join(
            f"**{md_escape(name)}** ({md_escape(spec['description'])}, {_direction(spec)})"
            for name, spec in summary["metrics"].items()
        )
        + "."
    )
    for title, header, body in tables(summary, rows):
        lines += ["", f"## {md_escape(title)}", "", md_row(header), "|" + "---|" * len(header)]
        lines += [md_row(row) for row in body]
    return "\n".join(lines) + "\n"


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:2rem auto;
max-width:1100px;color:#1d2330;background:#fff;padding:0 1rem}
h1{font-size:1.6rem;border-bottom:3px solid #4c72b0;padding-bottom:.4rem}
h2{font-size:1.2rem;margin-top:2rem;color:#2b3f66}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #d0d5dd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#eef2f8}
tr:nth-child(even) td{background:#f8f9fb}
.plots{display:flex;flex-wrap:wrap;gap:1rem}
.plots figure{margin:0;border:1px solid #e3e6eb;padding:.5rem;background:#fff}
.plots img{max-width:100%;height:auto;display:block}
.note{color:#5b6475;font-size:.9rem}
.warn{background:#fff6e0;border-left:4px solid #e0a000;padding:.5rem .8rem}
"""


def _img(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption class=note>{html.escape(caption)}</figcaption></figure>"
    )


def render_plots(summary: dict[str, Any]) -> list[tuple[str, bytes]]:
    names = list(summary["metrics"])
    directions = [summary["metrics"][m]["higher_is_better"] for m in names]
    found: list[tuple[str, bytes]] = []
    if summary["by_doc_type"]:
        found.append(
            (
                "Metrics by document type",
                plots.metric_bars(
                    summary["by_doc_type"],
                    ["doc_class"],
                    names,
                    "Metrics by document type",
                    [f"{n} {'↑' if up else '↓'}" for n, up in zip(names, directions, strict=True)],
                ),
            )
        )
    if summary["by_doc_question"]:
        found.append(
            (
                "Metrics by document and question type",
                plots.metric_heatmap(
                    summary["by_doc_question"],
                    ["doc_class", "question_type"],
                    names,
                    directions,
                    "Metrics by document and question type",
                ),
            )
        )
    batches = (summary.get("speed") or {}).get("batches") or []
    if batches:
        found.append(("Latency histogram", plots.latency_histogram([b["latency_s"] for b in batches])))
        series = {k: [b.get(k) for b in batches] for k in ("output_tokens_per_s", "images_per_s")}
        found.append(("Throughput per batch", plots.throughput_plot(series)))
    return found


def render_html(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Quality report: {esc(summary['config']['model'])}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Quality report: {esc(summary['config']['model'])}</h1>",
        "<p class=note>"
        + "; ".join(
            f"<b>{esc(n)}</b> ({esc(s['description'])}, {_direction(s)})"
            for n, s in summary["metrics"].items()
        )
        + "</p>",
    ]
    note = dummy_note(summary)
    if note:
        parts.append(f"<p class=warn><b>Note:</b> {esc(note)}</p>")
    figures = render_plots(summary)
    if figures:
        parts.append(
            "<h2>Plots</h2><div class=plots>" + "".join(_img(png, c) for c, png in figures) + "</div>"
        )
    for title, header, body in tables(summary, rows):
        parts.append(
            f"<h2>{esc(title)}</h2><table><thead><tr>"
            + "".join(f"<th>{esc(h)}</th>" for h in header)
            + "</tr></thead><tbody>"
        )
        parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in body]
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_run_report(result: RunResult) -> dict[str, Path]:
    """Write report.md and report.html into the run's folder (summary.json is the pipeline's); returns
    their paths."""
    summary = _clean(result.summary)
    rows = [_clean(dict(r)) for r in result.rows]
    files = {"report_md": result.out / "report.md", "report_html": result.out / "report.html"}
    from vlmhyperbench.results.flat import write_flat_tables

    files.update(write_flat_tables(result.out, {"by_id": rows}))
    write_text_atomic(files["report_md"], render_markdown(summary, rows))
    write_text_atomic(files["report_html"], render_html(summary, rows))
    return files
