"""pytest plugin (entry point `pytest11`): every pytest-benchmark result names its cell and environment.

- `machine_info["vlmhyperbench"]` gets `collect_environment()` (python, torch, CUDA, driver, GPU,
  transformers, backend, profile, git sha, with their types), `machine_info["cell"]` the matrix cell id
  and `machine_info["schema_version"]` the version of `vlmhyperbench.results.schema`;
- results go to the cell's folder of the results store (`.benchmarks/<cell>/`, or under
  `$VLMHYPERBENCH_RESULTS`) unless `--benchmark-storage` is given, because pytest-benchmark's default
  storage folder would mix CUDA backends and profiles.

Loaded in every environment, so it imports nothing that needs torch.
"""

from __future__ import annotations

from typing import Any

import pytest

DEFAULT_BENCHMARK_STORAGE = "file://./.benchmarks"  # pytest-benchmark's default: means "not given"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Runs before pytest-benchmark's own pytest_configure builds its session from these options.
    if getattr(config.option, "benchmark_storage", None) == DEFAULT_BENCHMARK_STORAGE:
        from vlmhyperbench.env.cell import current_cell
        from vlmhyperbench.results import ResultStore

        config.option.benchmark_storage = ResultStore().pytest_benchmark_storage(current_cell().id)


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    from vlmhyperbench.env.cell import current_cell
    from vlmhyperbench.env.info import collect_environment
    from vlmhyperbench.results.schema import SCHEMA_VERSION

    machine_info["vlmhyperbench"] = collect_environment()
    machine_info["cell"] = current_cell().id
    machine_info["schema_version"] = SCHEMA_VERSION
