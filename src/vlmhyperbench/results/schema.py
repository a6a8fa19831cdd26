"""What a stored result holds, typed and versioned: a speed record and a quality run summary.

A speed record is a pytest-benchmark JSON file (what `pytest benchmarks --benchmark-autosave` and
`vlmhyperbench bench` write), so `pytest-benchmark list/compare` read it too; our part of it is
`machine_info` (`cell`, `schema_version`, `vlmhyperbench`: the environment) and each benchmark's
`extra_info` (`config`, `metrics`, `rounds`). Keys this schema does not name are kept as they are
(pytest-benchmark's own, and anything a newer writer adds), so a file read and written back is unchanged.

A quality run summary is the `summary.json` of a `vlmhyperbench run` output folder.

Readers parse into these classes and use their fields; they never pick keys out of raw dicts. Needs no
torch: `vlmhyperbench compare` and the reports read results on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

# 1: machine_info.schema_version first written; typed environment facts; one benchmark identity for
# suites and `bench`. Files without it (version 0) have the environment as strings: parsing converts them.
SCHEMA_VERSION = 1
# what each file says it is (`schema_name`); the JSON Schemas under docs/schemas/ (`results.contracts`)
# describe them. Files written before these keys existed are read with the defaults.
SPEED_SCHEMA = "vlmhyperbench/speed-record"
RUN_SCHEMA = "vlmhyperbench/run-summary"

Number = int | float  # int first: pydantic's smart unions keep an int an int


class _Open(BaseModel):
    """A part of the file that may carry keys we do not model: kept, and written back."""

    model_config = ConfigDict(extra="allow")


class Environment(_Open):
    """Everything that can change a number (`vlmhyperbench.env.info.collect_environment`), typed."""

    python: str | None = None
    python_implementation: str | None = None
    executable: str | None = None
    platform: str | None = None
    processor: str | None = None
    cpu_count: int | None = None
    torch: str | None = None
    torch_cuda: str | None = None
    cudnn: int | None = None
    cuda_available: bool = False
    device: str | None = None
    backend: str | None = None
    backend_detected: str | None = None
    driver: str | None = None
    driver_cuda: str | None = None
    gpu: str | None = None
    transformers: str | None = None
    torchvision: str | None = None
    tokenizers: str | None = None
    accelerate: str | None = None
    flash_attn: str | None = None
    nvidia_ml_py: str | None = None
    vlmhyperbench: str | None = None
    profile: str | None = None
    install_source: str | None = None
    release_commit: str | None = None
    git_sha: str | None = None


class MachineInfo(_Open):
    """pytest-benchmark's `machine_info` (node, cpu, python...), plus our cell, schema and environment."""

    cell: str | None = None
    schema_version: int = 0  # absent in files written before the schema existed
    vlmhyperbench: Environment | None = None


class SpeedConfig(_Open):
    """What was measured: `extra_info["config"]` (`vlmhyperbench.perf.summary.bench_config`)."""

    preset: str
    model: str | None = None  # the overhead benchmark does not record it
    dtype: str | None = None  # None: the engine has no such setting (a served model, OCR)
    attn_implementation: str | None = None
    batch_size: int
    image_tokens: int | None = None
    image_size: list[int] | None = None
    new_tokens: int
    fixed_length: bool
    device: str | None = None
    engine: str = "hf"  # `vlmhyperbench.engines` name; results from before engines are all hf


class SpeedInfo(_Open):
    """A benchmark's `extra_info`: its config, summary figures and per-round figures (None: not measured)."""

    config: SpeedConfig | None = None
    metrics: dict[str, Number | bool | None] = Field(default_factory=dict)
    rounds: dict[str, list[Number | None]] = Field(default_factory=dict)
    overhead: dict[str, Any] | None = None  # `--overhead`: our tokens/s over a bare generate's
    load: dict[str, Any] | None = None  # how `bench` loaded the model (`LoadedVLM.describe()`)


class BenchmarkStats(_Open):
    """pytest-benchmark's latency statistics of one benchmark (seconds per round)."""

    min: float
    max: float
    mean: float
    median: float
    stddev: float
    rounds: int
    iterations: int = 1
    data: list[float] | None = None  # the raw rounds, with --benchmark-save-data


class BenchmarkEntry(_Open):
    """One benchmark: its identity (name, fullname, group, params), figures and pytest-benchmark stats."""

    group: str | None = None
    name: str
    fullname: str
    params: dict[str, Any] | None = None
    param: str | None = None
    extra_info: SpeedInfo = Field(default_factory=SpeedInfo)
    options: dict[str, Any] = Field(default_factory=dict)
    stats: BenchmarkStats


class CommitInfo(_Open):
    """pytest-benchmark's `commit_info` (id, time, author_time, dirty, project, branch)."""

    id: str | None = None
    dirty: bool = False


class FailedCase(BaseModel):
    """A `bench` case that could not run (out of memory at this batch size), with its config."""

    name: str
    error: str
    extra_info: SpeedInfo


FAILED_KEY = (
    "vlmhyperbench_failed"  # pytest-benchmark ignores top-level keys it does not know (a literal below)
)


class SpeedRecord(_Open):
    """One pytest-benchmark JSON file: a run of the suites or of `vlmhyperbench bench` in one cell."""

    machine_info: MachineInfo
    commit_info: CommitInfo = Field(default_factory=CommitInfo)
    benchmarks: list[BenchmarkEntry]
    datetime: str
    version: str
    failed: list[FailedCase] = Field(default_factory=list, alias="vlmhyperbench_failed")
    # top level, beside pytest-benchmark's keys (it ignores the ones it does not know); the version is
    # machine_info.schema_version, where it has been since version 1
    schema_name: str = Field(default=SPEED_SCHEMA, alias="vlmhyperbench_schema")

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @property
    def cell(self) -> str | None:
        return self.machine_info.cell

    @property
    def environment(self) -> Environment:
        return self.machine_info.vlmhyperbench or Environment()

    def to_json(self) -> dict[str, Any]:
        """The file's content: pytest-benchmark's layout, with the failed cases only when there are some."""
        data = self.model_dump(mode="json", by_alias=True)
        if not self.failed:
            del data[FAILED_KEY]
        return data


@dataclass(frozen=True)
class SpeedCase:
    """The identity of one generation benchmark, shared by the speed suites and `vlmhyperbench bench`.

    `pytest benchmarks` names it from its test (`benchmarks/test_generate_speed.py::test_generate`,
    parametrised by preset, attn and batch); `bench` writes the same name, fullname, group and params,
    so `vlmhyperbench compare` and `pytest-benchmark compare` match results of either.
    """

    preset: str
    attn: str
    batch: int
    # how generate decoded (vlmhyperbench.perf.runners); stock generate adds nothing to the id or params,
    # so results stored before runner modes keep matching
    runner: str = "generate"

    TEST: ClassVar[str] = "benchmarks/test_generate_speed.py::test_generate"

    @property
    def param(self) -> str:
        suffix = "" if self.runner == "generate" else f"-{self.runner}"
        return f"{self.preset}-{self.attn}-b{self.batch}{suffix}"

    @property
    def name(self) -> str:
        return f"{self.TEST.rpartition('::')[2]}[{self.param}]"

    @property
    def fullname(self) -> str:
        return f"{self.TEST}[{self.param}]"

    @property
    def group(self) -> str:
        return f"{self.preset} b{self.batch}"

    @property
    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"preset": self.preset, "attn": self.attn, "batch": self.batch}
        if self.runner != "generate":  # the suites make `runner` a parameter only then
            params["runner"] = self.runner
        return params


class RunInfo(BaseModel):
    out: str
    started: str
    finished: str
    resumed: bool
    questions: int
    answered: int
    asked_this_session: int
    inference_wall_s: float


class DatasetInfo(_Open):
    path: str
    questions: int
    images: int
    doc_class: dict[str, int]


class MetricInfo(BaseModel):
    higher_is_better: bool
    description: str


class RunSpeed(_Open):
    """Speed of a quality run: summary figures over every measured batch, and each batch's figures."""

    summary: dict[str, Number | bool | None]
    batches: list[dict[str, Any]]


class PromptsInfo(BaseModel):
    source: str
    system: str | None = None


class RunSummary(_Open):
    """`summary.json` of a run (`vlmhyperbench.runs`): what ran, on what, and the scores.

    `general` is the whole-run row (`count` and one mean per metric), `by_doc_type` and
    `by_doc_question` the aggregator tables; a score that could not be computed is None.
    """

    schema_name: str = RUN_SCHEMA
    schema_version: int = SCHEMA_VERSION
    run: RunInfo
    config: dict[str, Any]
    model: dict[str, Any]
    dataset: DatasetInfo
    metrics: dict[str, MetricInfo]
    general: dict[str, Number | None]
    by_doc_type: list[dict[str, Any]]
    by_doc_question: list[dict[str, Any]]
    speed: RunSpeed | None = None
    environment: Environment
    prompts: PromptsInfo | None = None
