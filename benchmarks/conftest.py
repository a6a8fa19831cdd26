"""Speed suites: preset x batch size x attention implementation, one pytest-benchmark result each.

    pytest benchmarks                                   # tiny presets on CPU, seconds each
    pytest benchmarks --vlm-scale=full                  # real-size presets (needs a CUDA GPU)
    pytest benchmarks --vlm-presets=qwen2-vl-2b --vlm-batch=1,8,32 --vlm-attn=eager,sdpa --vlm-new-tokens=128
    pytest benchmarks --vlm-runner=generate,static,compiled   # runner modes (vlmhyperbench.perf.runners)

Results: pytest-benchmark JSON (`--benchmark-autosave`), stored per matrix cell by the vlmhyperbench
plugin, with our figures in `extra_info` (config / metrics / rounds). Models are driven through the
engine interface (`vlmhyperbench.engines`), the same path `vlmhyperbench bench` takes; against the pinned
release (the prod profile), which predates it, through `release_api.py`'s adapter.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # dummy presets never need the hub

SCALES = {
    # scale: (default batch sizes, default new tokens)
    "tiny": ("1,4", 8),
    "full": ("1,8,32", 128),
}


@dataclass(frozen=True)
class Case:
    preset: str
    attn: str
    batch: int
    runner: str = "generate"

    @property
    def id(self) -> str:
        # stock generate adds no suffix: results stored before runner modes existed keep matching
        suffix = "" if self.runner == "generate" else f"-{self.runner}"
        return f"{self.preset}-{self.attn}-b{self.batch}{suffix}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vlmhyperbench", "vlmhyperbench speed suites")
    group.addoption(
        "--vlm-scale",
        choices=sorted(SCALES),
        default="tiny",
        help="tiny: tiny-* presets (CPU, seconds); full: the real-size presets (GPU).",
    )
    group.addoption(
        "--vlm-presets",
        default=None,
        help="Comma-separated preset names (default: every preset of the scale).",
    )
    group.addoption(
        "--vlm-batch", default=None, help="Comma-separated batch sizes (tiny: 1,4; full: 1,8,32)."
    )
    group.addoption("--vlm-attn", default="eager,sdpa", help="Comma-separated attention implementations.")
    group.addoption(
        "--vlm-runner",
        default="generate",
        help="Comma-separated runner modes: generate (stock), static (static KV cache), compiled (static "
        "cache, decode step torch.compile'd; CUDA graphs on GPU). The compile time is kept apart in "
        "extra_info['runner'] (warm-up rounds are not measured).",
    )
    group.addoption(
        "--vlm-new-tokens",
        type=int,
        default=None,
        help="Fixed number of generated tokens (tiny: 8; full: 128).",
    )
    group.addoption("--vlm-rounds", type=int, default=3, help="Measured rounds per benchmark.")
    group.addoption("--vlm-warmup", type=int, default=1, help="Warm-up rounds per benchmark (not measured).")
    group.addoption("--vlm-device", default="auto", help="auto, cpu or cuda[:N].")
    group.addoption(
        "--vlm-dtype", default="auto", help="auto (bf16 on GPU, fp32 on CPU), bfloat16, float16..."
    )


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def pytest_configure(config: pytest.Config) -> None:
    # Parallel workers share the CPU/GPU: every timing would be wrong. pytest-benchmark only warns.
    if hasattr(config, "workerinput") or getattr(config.option, "numprocesses", None):
        raise pytest.UsageError(
            "the vlmhyperbench speed suites must not run under pytest-xdist (-n): parallel workers "
            "share the device and corrupt every timing. Drop -n / --numprocesses."
        )


def _options(config: pytest.Config) -> dict[str, Any]:
    scale = config.getoption("--vlm-scale")
    default_batch, default_tokens = SCALES[scale]
    from vlmhyperbench.models import preset_names

    presets = _csv(config.getoption("--vlm-presets") or "") or preset_names(tiny=scale == "tiny")
    known = preset_names()
    unknown = [p for p in presets if p not in known]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise pytest.UsageError(f"Unknown preset {unknown[0]!r}. Available: {', '.join(known)}{hint}")
    batches = [int(b) for b in _csv(config.getoption("--vlm-batch") or default_batch)]
    if any(b < 1 for b in batches):
        raise pytest.UsageError(f"--vlm-batch sizes must be >= 1, got {batches}")
    new_tokens = config.getoption("--vlm-new-tokens") or default_tokens
    rounds, warmup = config.getoption("--vlm-rounds"), config.getoption("--vlm-warmup")
    if rounds < 1 or warmup < 0 or new_tokens < 1:
        raise pytest.UsageError("need --vlm-rounds >= 1, --vlm-warmup >= 0 and --vlm-new-tokens >= 1")
    runners = _runners(config.getoption("--vlm-runner"), warmup)
    return {
        "scale": scale,
        "presets": presets,
        "batches": batches,
        "attns": _csv(config.getoption("--vlm-attn")),
        "runners": runners,
        "new_tokens": new_tokens,
        "rounds": rounds,
        "warmup": warmup,
        "device": config.getoption("--vlm-device"),
        "dtype": config.getoption("--vlm-dtype"),
    }


CASE_PARAMS = ("preset", "attn", "batch")


def _runners(text: str, warmup: int) -> list[str]:
    """The runner names, checked; an installed release older than runner modes knows only `generate`."""
    names = _csv(text) or ["generate"]
    try:
        from vlmhyperbench.perf.runners import check_warmup, parse_runners
    except ImportError:  # the prod profile's release predates runner modes
        if names != ["generate"]:
            import vlmhyperbench

            raise pytest.UsageError(
                f"--vlm-runner {text}: the installed vlmhyperbench {vlmhyperbench.__version__} has only "
                "stock generate (runner modes came after it)"
            ) from None
        return names
    try:
        parsed = parse_runners(",".join(names))
        for name in parsed:
            check_warmup(name, warmup)
    except ValueError as exc:
        raise pytest.UsageError(f"--vlm-runner: {exc}") from None
    return parsed


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Three plain parameters, not one Case object: pytest-benchmark stores `params` as JSON, and
    # `vlmhyperbench bench` writes the same name, params and group (`vlmhyperbench.results.SpeedCase`),
    # so `vlmhyperbench compare` matches the two tools' results.
    if set(CASE_PARAMS) <= set(metafunc.fixturenames):
        opts = _options(metafunc.config)
        # preset outermost, then attention, then runner: consecutive cases reuse one loaded model. The first
        # case is a quick one, so the first figures come soon: tiny-llava (the smallest tiny preset, 16
        # image tokens) sorts first, at the first batch size (1 by default).
        cases = [
            Case(p, a, b, r)
            for p in opts["presets"]
            for a in opts["attns"]
            for r in opts["runners"]
            for b in opts["batches"]
        ]
        if opts["runners"] == ["generate"]:  # the `runner` fixture says generate; params as before runners
            metafunc.parametrize(
                CASE_PARAMS, [(c.preset, c.attn, c.batch) for c in cases], ids=[c.id for c in cases]
            )
        else:
            metafunc.parametrize(
                (*CASE_PARAMS, "runner"),
                [(c.preset, c.attn, c.batch, c.runner) for c in cases],
                ids=[c.id for c in cases],
            )


@pytest.fixture
def runner() -> str:
    """Stock generate, unless `--vlm-runner` asks for others (then `runner` is a parameter of each case)."""
    return "generate"


@pytest.fixture(scope="session")
def vlm_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    opts = _options(request.config)
    if opts["scale"] == "full" and opts["device"] == "auto":
        import torch

        if not torch.cuda.is_available():
            pytest.skip("--vlm-scale=full needs a CUDA GPU (or ask for it on CPU with --vlm-device cpu)")
    return opts


def _load_release_api() -> Any:
    """benchmarks/release_api.py; loaded by path, since `--import-mode=importlib` puts no suite folder on
    sys.path."""
    path = Path(__file__).with_name("release_api.py")
    spec = importlib.util.spec_from_file_location("vlmhyperbench_release_api", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def vlm_api() -> Any:
    """The API the suites drive (benchmarks/release_api.py): the engine interface, or the pinned release's
    behind the same methods."""
    return _load_release_api()


class _EngineCache:
    """Holds one loaded engine at a time: full-size presets do not fit side by side."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self.key: tuple[str, str] | None = None
        self.engine: Any = None

    def get(self, preset: str, attn: str, opts: dict[str, Any]) -> Any:
        if self.key != (preset, attn):
            self.close()
            self.engine = self.api.open_engine(preset, attn, opts)
            self.key = (preset, attn)
        return self.engine

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
        self.engine, self.key = None, None


@pytest.fixture(scope="session")
def vlm_engines(vlm_api: Any) -> Iterator[_EngineCache]:
    cache = _EngineCache(vlm_api)
    yield cache
    cache.close()


@pytest.fixture(scope="session")
def vlm_queries(vlm_api: Any) -> Any:
    """`vlm_queries(batch) -> [Query]`: one synthetic page and the extraction prompt per sequence."""
    return vlm_api.queries


# --- what the run is doing, and what it gave (a line per benchmark with its figures, our table at the end)


@dataclass
class _Progress:
    total: int = 0
    done: int = 0
    started: float = 0.0
    figures: dict[str, str] = field(default_factory=dict)  # nodeid: what its benchmark just recorded
    places: dict[str, str] = field(default_factory=dict)  # nodeid: what its line says after pytest's word


_PROGRESS = _Progress()


def pytest_collection_finish(session: pytest.Session) -> None:
    import time

    _PROGRESS.total, _PROGRESS.done, _PROGRESS.started = len(session.items), 0, time.time()
    _PROGRESS.figures.clear()
    _PROGRESS.places.clear()
    if session.config.option.verbose == 0:  # one line per benchmark, not a row of dots
        session.config.option.verbose = 1
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and _PROGRESS.total and not session.config.option.collectonly:
        reporter.write_line(
            f"{_PROGRESS.total} benchmark(s) to run; each line names one, how many remain and its figures"
        )


def _progress_figures(info: dict[str, Any]) -> str:
    """The headline figures of one benchmark's `extra_info` (`vlmhyperbench.report.suite`), or nothing."""
    try:
        from vlmhyperbench.report.suite import progress_figures
    except ImportError:  # the prod profile's release predates it: the line names the place only
        return ""
    return progress_figures(info)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keeps the figures a benchmark that passed just recorded, for its progress line."""
    report = yield
    info = getattr((getattr(item, "funcargs", None) or {}).get("benchmark"), "extra_info", None)
    if call.when == "call" and report.passed and isinstance(info, dict):
        _PROGRESS.figures[item.nodeid] = _progress_figures(info)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """`PASSED (3/17, 14 left)  TTFT 41.2 ms  TPOT 6.1 ms ...`: pytest's verbose word with the benchmark's
    place in the run and its headline figures. `-q` keeps pytest's own letters and words."""
    status = yield
    finished = report.when == "call" or (report.when == "setup" and not report.passed)
    if not finished or not _PROGRESS.total or config.option.verbose < 1:
        return status
    if not isinstance(status, tuple) or len(status) != 3:
        return status
    place = _PROGRESS.places.get(report.nodeid)
    if place is None:  # its first report; the short summary (`-r`) asks again for the same one
        _PROGRESS.done += 1
        place = f" ({_PROGRESS.done}/{_PROGRESS.total}, {_PROGRESS.total - _PROGRESS.done} left)"
        figures = _PROGRESS.figures.pop(report.nodeid, "")
        _PROGRESS.places[report.nodeid] = place = f"{place}  {figures}" if figures else place
    category, letter, word = status
    if isinstance(word, tuple):
        return category, letter, (word[0] + place, word[1])
    return category, letter, (word + place if word else word)


def _saved_file(config: pytest.Config) -> Path | None:
    """The JSON pytest-benchmark saved in this session (autosave/save), if any."""
    session = getattr(config, "_benchmarksession", None)
    storage: Any = getattr(session, "storage", None)
    if session is None or not (session.save or session.autosave) or not hasattr(storage, "get"):
        return None
    folder = Path(storage.get("x")).parent  # FileStorage: the machine folder files are saved into
    files = sorted(folder.glob("[0-9][0-9][0-9][0-9]_*.json"))
    if files and files[-1].stat().st_mtime >= _PROGRESS.started:
        return files[-1]
    return None


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's own tables
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    benchmarks = list(getattr(session, "benchmarks", None) or [])
    if not benchmarks:
        return
    saved = _saved_file(config)
    try:
        from vlmhyperbench.report.suite import next_step, suite_summary
    except ImportError:  # the prod profile's release predates this summary: the file at least
        if saved is not None:
            terminalreporter.write_line(f"results: {saved}")
        return
    from vlmhyperbench.env.cell import current_cell
    from vlmhyperbench.results import ResultStore

    cell = current_cell().id
    store = ResultStore()
    in_store = saved is not None and saved.resolve().is_relative_to(store.cell_folder(cell).resolve())
    step = next_step(cell, saved, len(store.runs(cell))) if in_store else None
    if saved is not None and not in_store:
        step = f"compare it with another result file: vlmhyperbench compare OTHER.json {saved}"
    text = suite_summary([b.extra_info for b in benchmarks], saved, step, terminalreporter._tw.fullwidth)
    terminalreporter.write_sep("-", "vlmhyperbench")
    for line in text.splitlines():
        terminalreporter.write_line(line)
