"""pytest plugin (entry point `pytest11`): every pytest-benchmark result names its cell and environment.

- `machine_info["vlmhyperbench"]` gets `collect_environment()` (python, torch, CUDA, driver, GPU,
  transformers, backend, profile, git sha) and `machine_info["cell"]` the matrix cell id;
- results go to `.benchmarks/<cell>/` unless `--benchmark-storage` is given, because the default
  storage folder would mix CUDA backends and profiles.

Loaded in every environment, so it imports nothing that needs torch.
"""

from __future__ import annotations

from typing import Any

import pytest

DEFAULT_BENCHMARK_STORAGE = "file://./.benchmarks"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Runs before pytest-benchmark's own pytest_configure builds its session from these options.
    if getattr(config.option, "benchmark_storage", None) == DEFAULT_BENCHMARK_STORAGE:
        from vlmhyperbench.env.cell import cell_storage

        config.option.benchmark_storage = f"file://{cell_storage().resolve()}"


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    from vlmhyperbench.env.cell import current_cell
    from vlmhyperbench.env.info import collect_environment

    machine_info["vlmhyperbench"] = collect_environment()
    machine_info["cell"] = current_cell().id
