"""Prompt collections: a system prompt and a template per (doc_class, question_type), with a default.

A collection is a YAML file (see `default.yaml` next to this module):

    system: "..."                 # optional system prompt
    default: "{question}"         # used when nothing more specific matches
    prompts:
      passport:                   # doc_class, or "*" for any
        number: "{question} ..."  # question_type, or "*" for any

Placeholders are `{question}`, `{doc_class}` and `{question_type}`; an unknown one is an error at load time.
"""

from __future__ import annotations

import string
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
    default: str = "{question}"
    system: str | None = None
    prompts: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = "<built-in>"

    def template(self, doc_class: str, question_type: str) -> str:
        for dc, qt in ((doc_class, question_type), (doc_class, ANY), (ANY, question_type), (ANY, ANY)):
            found = self.prompts.get(dc, {}).get(qt)
            if found is not None:
                return found
        return self.default

    def render(self, sample: Sample) -> str:
        return self.template(sample.doc_class, sample.question_type).format(
            question=sample.question, doc_class=sample.doc_class, question_type=sample.question_type
        )


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


def load_prompts(path: str | Path | None = None) -> PromptCollection:
    """Read a prompt collection (None: the built-in Russian one)."""
    path = Path(path) if path is not None else DEFAULT_PROMPTS
    file = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PromptError(f"{file}: cannot read prompt file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PromptError(f"{file}: not UTF-8") from None
    except yaml.YAMLError as exc:
        raise PromptError(f"{file}: not valid YAML: {exc}") from None
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
