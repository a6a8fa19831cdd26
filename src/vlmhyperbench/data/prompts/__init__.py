"""Prompt collections: a system prompt and a template per (doc_class, question_type), with a default.

A collection is a YAML file (see `default.yaml` next to this module):

    system: "..."                 # optional system prompt
    default: "{question}"         # used when nothing more specific matches
    prompts:
      passport:                   # doc_class, or "*" for any
        number: "{question} ..."  # question_type, or "*" for any

Placeholders are `{question}`, `{doc_class}` and `{question_type}`; an unknown one is an error at load time.

Upstream VLMHyperBench's collections are CSV files (`;`, a BOM accepted) and are read as they are:

    prompt;doc_class_question_type;cer
    Запиши серию и номер паспорта. Пример: 4369 975136.;passport Серия и номер паспорта;0.0

`doc_class_question_type` is the doc class, one space, the question type; the prompt is the whole text
sent (braces are literal) and other columns are ignored. Such a collection has no default: a
(doc_class, question_type) it lacks is an error naming the pair, unless the run allows falling back to the
dataset's question (`prompt_fallback`), which warns naming the pair. A sample whose question is empty
needs a prompt that does not use `{question}`.
"""

from __future__ import annotations

import csv
import io
import string
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vlmhyperbench.data.annotation import Sample
from vlmhyperbench.errors import DataError

DEFAULT_PROMPTS = Path(__file__).with_name("default.yaml")
PLACEHOLDERS = frozenset({"question", "doc_class", "question_type"})
ANY = "*"

__all__ = ["DEFAULT_PROMPTS", "PromptCollection", "PromptError", "load_prompts"]


class PromptError(DataError):
    """A prompt file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class PromptCollection:
    default: str | None = "{question}"  # None: every pair needs its own prompt (upstream's CSV collections)
    system: str | None = None
    prompts: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = "<built-in>"

    def template(self, doc_class: str, question_type: str, fallback: bool = False) -> str:
        for dc, qt in ((doc_class, question_type), (doc_class, ANY), (ANY, question_type), (ANY, ANY)):
            found = self.prompts.get(dc, {}).get(qt)
            if found is not None:
                return found
        if self.default is not None:
            return self.default
        pair = f"doc_class {doc_class!r}, question_type {question_type!r}"
        if not fallback:
            raise PromptError(
                f"{self.source}: no prompt for {pair}; add the row "
                f"'...;{doc_class} {question_type}' or allow prompt_fallback to send the dataset's question"
            )
        # a UserWarning, not an error class: the run goes on (vlmhyperbench.errors holds what stops it)
        warnings.warn(f"{self.source}: no prompt for {pair}: sending the question", UserWarning, stacklevel=2)
        return "{question}"

    def render(self, sample: Sample, fallback: bool = False) -> str:
        template = self.template(sample.doc_class, sample.question_type, fallback)
        if not sample.question.strip() and "{question}" in template:
            raise PromptError(
                f"question {sample.id}: the question is empty and {self.source} has no prompt for doc_class "
                f"{sample.doc_class!r}, question_type {sample.question_type!r} that stands without it"
            )
        return template.format(
            question=sample.question, doc_class=sample.doc_class, question_type=sample.question_type
        )

    def user_text(self, sample: Sample) -> str:
        """The whole user turn a model is sent: the system prompt (models here have no system role) leads
        the rendered prompt; a missing pair sends the question (warned once, before the model loads)."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*no prompt for", category=UserWarning)
            text = self.render(sample, fallback=True)
        return f"{self.system}\n\n{text}" if self.system else text


def _check_template(template: object, file: str, key: str) -> str:
    if not isinstance(template, str) or not template.strip():
        raise PromptError(f"{file}: {key} must be a non-empty string")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise PromptError(
            f"{file}: {key}: bad template ({exc}); write a literal brace as {{{{ or }}}}"
        ) from None
    unknown = names - PLACEHOLDERS
    if unknown:
        raise PromptError(
            f"{file}: {key}: unknown placeholder {{{sorted(unknown)[0]}}}; "
            f"use {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}"
        )
    return template


def _load_csv(path: Path) -> PromptCollection:
    """Upstream's `prompt;doc_class_question_type;...` collection."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PromptError(f"{file}: cannot read prompt file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PromptError(f"{file}: not UTF-8") from None
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") if row]
    if not rows or not {"prompt", "doc_class_question_type"} <= set(rows[0]):
        raise PromptError(f"{file}: row 1: expected the header 'prompt;doc_class_question_type;...'")
    header = rows[0]
    text_at, key_at = header.index("prompt"), header.index("doc_class_question_type")
    prompts: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise PromptError(f"{file}: row {number}: {len(row)} fields, the header has {len(header)}")
        doc_class, _, question_type = row[key_at].strip().partition(" ")
        if not doc_class or not question_type.strip() or not row[text_at].strip():
            raise PromptError(
                f"{file}: row {number}: expected a prompt and 'doc_class question_type', "
                f"found {row[key_at]!r}"
            )
        literal = row[text_at].replace("{", "{{").replace("}", "}}")  # upstream sends the text as it is
        prompts.setdefault(doc_class, {})[question_type.strip()] = literal
    return PromptCollection(default=None, prompts=prompts, source=file)


def load_prompts(path: str | Path | None = None) -> PromptCollection:
    """Read a prompt collection, YAML or upstream's CSV (None: the built-in Russian one)."""
    path = Path(path) if path is not None else DEFAULT_PROMPTS
    if path.suffix.lower() == ".csv":
        return _load_csv(path)
    file = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PromptError(f"{file}: cannot read prompt file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PromptError(f"{file}: not UTF-8") from None
    except yaml.YAMLError as exc:
        from vlmhyperbench.data.yaml_errors import yaml_problem

        raise PromptError(f"{file}: {yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise PromptError(f"{file}: expected a mapping with keys system, default, prompts")
    unknown = set(data) - {"system", "default", "prompts"}
    if unknown:
        raise PromptError(f"{file}: unknown key {sorted(unknown)[0]!r} (allowed: system, default, prompts)")
    system = data.get("system")
    if system is not None and not isinstance(system, str):
        raise PromptError(f"{file}: system must be a string")
    default = _check_template(data.get("default", "{question}"), file, "default")
    prompts: dict[str, dict[str, str]] = {}
    raw = data.get("prompts") or {}
    if not isinstance(raw, dict):
        raise PromptError(f"{file}: prompts must map doc_class -> question_type -> template")
    for doc_class, per_type in raw.items():
        if not isinstance(per_type, dict):
            raise PromptError(f"{file}: prompts.{doc_class} must map question_type -> template")
        prompts[str(doc_class)] = {
            str(qt): _check_template(t, file, f"prompts.{doc_class}.{qt}") for qt, t in per_type.items()
        }
    return PromptCollection(default=default, system=system or None, prompts=prompts, source=file)
