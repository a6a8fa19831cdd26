"""The names of the files in a run folder, in one place: the pipeline writes them, compare reads them."""

from __future__ import annotations

ANSWERS_FILE = "answers.csv"  # `id;model_answer`, flushed per batch: what --resume continues
RUN_FILE = "run.json"  # the resolved config, the dataset and its fingerprint, written before the first answer
SUMMARY_FILE = "summary.json"  # `results.RunSummary`
SCORES_FILE = "answers_by_id.csv"  # one scored row per answered item
SERVER_LOG = "server.log"  # a --launch'ed server's output, kept with the answers
REQUESTS_FILE = "requests.jsonl"  # a served run's requests, one line per session
SAMPLES_FILE = "samples.jsonl"  # one scored line per answer, appended as answers arrive (`runs.samples`)
SPEED_FILE = "speed.jsonl"  # one measured batch per line, appended after its answers: resumed runs add up
