"""The run configuration: a YAML file validated with pydantic; typos and unknown keys are named.

    model: dummy:tiny-qwen2-vl       # dummy:<preset>, a save_pretrained folder, a HF id, or ENGINE:NAME
    dataset: data/my-set             # folder with annotation.csv (omit: the built-in synthetic set)
    task: qa                         # or classification, sorting, docvqa, infovqa, chartqa, ocrbench, textvqa
    columns: {id: questionId}        # a table dataset's columns (parquet, save_to_disk, hf:NAME): see below
    prompts: prompts.yaml            # prompt collection (omit: the built-in Russian one)
    metrics: [cer, wer, anls, bleu, exact_match]
    aggregators: [by_id, by_doc_question, by_doc_type, general]
    filters: {doc_class: [passport], question_type: [], split: [test]}
    generation: {max_new_tokens: 32}
    batch_size: 4
    out: results/my-run
    scoring: default                 # or upstream: metric_evaluator 0.1.1's numbers, columns and files
    allow_absolute_paths: false      # accept absolute image_path values, as upstream writes them
    trust_remote_code: false         # run a model folder's own Python code (its config.json auto_map)
    server: {base_url: http://127.0.0.1:8000/v1, concurrency: 16}   # for model: openai:NAME

`dataset` may also be a table (`vlmhyperbench.data.sources`): a parquet file or folder of shards, a
`datasets.save_to_disk` folder, or `hf:NAME[:CONFIG][@SPLIT]`; `columns` (image, question, answers, id,
groups) replaces any of the task's default column names.

Relative paths in the file are read relative to the file's folder. Options given to `vlmhyperbench run`
(`RunOverrides`) replace the file's values; `run.json` records the settings that result.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer, field_validator

from vlmhyperbench.data.sources import HUB_PREFIX, Columns
from vlmhyperbench.data.yaml_errors import yaml_problem
from vlmhyperbench.errors import DataError

DEFAULT_MODEL = "dummy:tiny-qwen2-vl"


class ConfigError(DataError):
    """A config that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Filters(_Strict):
    doc_class: list[str] = Field(default_factory=list, description="keep only these doc classes")
    question_type: list[str] = Field(default_factory=list, description="keep only these question types")
    split: list[str] = Field(default_factory=list, description="keep only these splits")


class Generation(_Strict):
    max_new_tokens: int = Field(default=32, ge=1, le=4096)


class ServerSettings(_Strict):
    """Where an `openai:NAME` model is served (`vlmhyperbench.serve.ServerOptions`); ignored otherwise."""

    base_url: str | None = Field(default=None, description="e.g. http://127.0.0.1:8000/v1")
    concurrency: int = Field(default=1, ge=1, description="requests in flight at once")
    timeout_s: float = Field(default=600.0, gt=0, description="per request")
    retries: int = Field(default=3, ge=0, description="on 429, 5xx and dropped connections")
    launch: str | None = Field(default=None, description="server command started first, stopped after")

    @field_serializer("base_url", "launch", when_used="json")
    def _masked(self, value: str | None) -> str | None:
        """What run.json, summary.json and --print-config record: a URL's password and a key in the command
        as *** (`serve.redact`); the values used to connect stay as given."""
        from vlmhyperbench.serve.redact import redact

        return None if value is None else redact(value)


class SynthSettings(_Strict):
    """The built-in dataset used when `dataset` is not set."""

    n: int = Field(default=4, ge=1, description="documents (one question per field)")
    seed: int = 0
    doc_class: list[str] = Field(default_factory=list)
    degrade: str = Field(default="none", description="page damage: none, scan, photo or heavy")

    @field_validator("degrade")
    @classmethod
    def _known_level(cls, value: str) -> str:
        from vlmhyperbench.data.synth.degrade import check_level

        return check_level(value)


class RunConfig(_Strict):
    model: str = DEFAULT_MODEL
    dataset: Path | None = None
    task: str = Field(
        default="qa",
        description="qa, classification, sorting, docvqa... (vlmhyperbench.tasks; checked as a run starts)",
    )
    columns: Columns | None = Field(
        default=None, description="a table dataset's column names (None: the task's defaults)"
    )
    synth: SynthSettings = SynthSettings()
    prompts: Path | None = None
    prompt_fallback: bool = Field(
        default=False,
        description="a (doc_class, question_type) the prompts lack: send the question, with a warning",
    )
    metrics: list[str] = Field(default_factory=lambda: ["cer", "wer", "anls", "bleu", "exact_match"])
    aggregators: list[str] = Field(
        default_factory=lambda: ["by_id", "by_doc_question", "by_doc_type", "general"]
    )
    filters: Filters = Filters()
    limit: int | None = Field(
        default=None, ge=1, description="evaluate only the first N questions after filtering"
    )
    generation: Generation = Generation()
    batch_size: int = Field(default=4, ge=1)
    out: Path | None = None
    device: str = "auto"
    dtype: str = "auto"
    attn_implementation: str | None = None
    image_size: int | None = Field(default=None, ge=28)
    seed: int = 0
    yo_to_e: bool = Field(default=False, description="read ё as е in every metric")
    scoring: str = Field(default="default", description="scoring profile: default or upstream")
    allow_absolute_paths: bool = Field(
        default=False, description="accept absolute image_path values (upstream writes them)"
    )
    trust_remote_code: bool = Field(
        default=False, description="let a model folder run its own Python code (config.json auto_map)"
    )
    server: ServerSettings = ServerSettings()

    @field_validator("scoring")
    @classmethod
    def _known_scoring(cls, value: str) -> str:
        from vlmhyperbench.eval.upstream import SCORING_PROFILES

        if value not in SCORING_PROFILES:
            raise ValueError(f"Unknown scoring profile {value!r}. Available: {', '.join(SCORING_PROFILES)}")
        return value

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        from vlmhyperbench.eval.metrics import METRICS

        value = [name.lower() for name in value]  # `CER` as upstream configs write it is `cer`
        for name in value:
            if name not in METRICS:
                raise ValueError(f"Unknown metric {name!r}. Available: {', '.join(METRICS.names())}")
        if not value:
            raise ValueError("at least one metric is needed")
        return value

    @field_validator("aggregators")
    @classmethod
    def _known_aggregators(cls, value: list[str]) -> list[str]:
        from vlmhyperbench.eval.aggregate import AGGREGATORS

        for name in value:
            if name not in AGGREGATORS:
                raise ValueError(f"Unknown aggregator {name!r}. Available: {', '.join(AGGREGATORS.names())}")
        return value


DEMO_ENGINE = "tesseract:rus"


def _tesseract_ready() -> bool:
    from vlmhyperbench.engines.tesseract import TesseractError, check_installed, parse_spec

    try:
        check_installed(parse_spec(DEMO_ENGINE))
    except TesseractError:
        return False
    return True


def default_config(task: str = "qa") -> RunConfig:
    """The run `vlmhyperbench run [--task T]` makes without a config, well under a minute on a CPU.

    A trained model, so that a first report has real numbers: the Tesseract baseline on 8 synthetic
    documents degraded like phone photos. Without the tesseract binary: the tiny random-weight dummy model
    on 4 of them (`default_config_note()` says which, and why). Tesseract reads the answer's box, which
    classification and sorting do not have: their demo is the tiny model on their own synthetic set.
    """
    if task != "qa":
        demo = {"task": task, "synth": {"n": 4}, "generation": {"max_new_tokens": 12}}
        return parse_config(demo, "command line")
    if _tesseract_ready():
        return RunConfig(model=DEMO_ENGINE, synth=SynthSettings(n=8, degrade="photo"))
    return RunConfig(synth=SynthSettings(n=4, degrade="photo"), generation=Generation(max_new_tokens=12))


def default_config_note(config: RunConfig) -> str:
    """One line for the user on what the run without a config does."""
    if config.task != "qa":
        return (
            f"no config: the tiny random-weight model {config.model} on {config.synth.n} synthetic "
            f"{config.task} items: its scores only show that the pipeline works"
        )
    if config.model == DEMO_ENGINE:
        return (
            f"no config: the Tesseract OCR baseline ({DEMO_ENGINE}, reading each answer's box) "
            f"on {config.synth.n} synthetic documents degraded as '{config.synth.degrade}'"
        )
    return (
        f"no config: tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-rus), so the "
        f"demo runs the tiny random-weight model {config.model}: its scores only show that the pipeline works"
    )


def _allowed(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the (nested) model at loc's parent, to suggest a fix for a typo."""
    current: Any = model
    for part in loc[:-1]:
        field = getattr(current, "model_fields", {}).get(part)
        # a model, or an optional one (`Columns | None`)
        kinds = [field.annotation, *get_args(field.annotation)] if field is not None else []
        models = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
        if not models:
            return []
        current = models[0]
    return list(getattr(current, "model_fields", {}))


def _describe(exc: ValidationError, source: str) -> str:
    lines = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if error["type"] == "extra_forbidden":
            allowed = _allowed(RunConfig, loc)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
            lines.append(f"{source}: unknown key {key!r}{hint}")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{source}: {key}: {message}")
    return "\n".join(lines)


def split_names(values: Iterable[str] | None) -> tuple[str, ...]:
    """`--doc-class a,b --doc-class c` -> ("a", "b", "c"): repeated options and comma lists alike."""
    return tuple(name.strip() for value in values or () for name in value.split(",") if name.strip())


@dataclass(frozen=True)
class RunOverrides:
    """Settings given as `vlmhyperbench run` options; each one given (not None) replaces the config's value.

    One object rather than a dozen arguments, so a new option is one field here and one in the CLI; the
    result is validated like the YAML (`--batch-size 0` is named as `batch_size`).
    """

    model: str | None = None
    dataset: Path | None = None
    task: str | None = None
    out: Path | None = None
    limit: int | None = None
    doc_class: tuple[str, ...] | None = None  # replaces filters.doc_class
    question_type: tuple[str, ...] | None = None  # replaces filters.question_type
    batch_size: int | None = None
    device: str | None = None
    dtype: str | None = None
    scoring: str | None = None
    allow_absolute_paths: bool | None = None
    trust_remote_code: bool | None = None
    prompt_fallback: bool | None = None
    base_url: str | None = None  # server.base_url, and the two below: the config's `server:` block
    concurrency: int | None = None
    launch: str | None = None
    timeout_s: float | None = None  # --request-timeout
    retries: int | None = None

    def apply(self, config: RunConfig) -> RunConfig:
        """`config` with every given option in place of its value."""
        given = {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}
        data = config.model_dump()
        filters = {k: list(given.pop(k)) for k in ("doc_class", "question_type") if k in given}
        server_keys = ("base_url", "concurrency", "launch", "timeout_s", "retries")
        server = {k: given.pop(k) for k in server_keys if k in given}
        data.update(given)
        data["filters"].update(filters)
        data["server"].update(server)
        return parse_config(data, "command line")


def parse_config(data: dict[str, Any], source: str = "config") -> RunConfig:
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


def load_config(path: str | Path | None, task: str | None = None) -> RunConfig:
    """Read and validate a YAML run config (None: the built-in demo run of `task`, well under a minute)."""
    if path is None:
        return default_config(task or "qa")
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a UTF-8 text file (byte offset {exc.start}): expected YAML") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: {yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    config = parse_config(data, str(path))
    base = path.parent
    updates = {
        name: base / value
        for name in ("dataset", "prompts", "out")
        if (value := getattr(config, name)) is not None
        and not value.is_absolute()
        and not str(value).startswith(HUB_PREFIX)  # hf:NAME is a dataset name, not a path
    }
    return config.model_copy(update=updates)
