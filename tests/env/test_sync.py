"""sync picks the backend (flag > UV_TORCH_BACKEND > driver) and runs the one right uv command."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.env.gpu import DriverInfo
from vlmhyperbench.env.sync import SyncError, choose_backend, plan_sync

NO_DRIVER = DriverInfo(error="none")
DRIVER_124 = DriverInfo(driver_version="550.54.14", cuda_version=(12, 4))
DRIVER_128 = DriverInfo(driver_version="570.26", cuda_version=(12, 8))
DRIVER_130 = DriverInfo(driver_version="580.65.06", cuda_version=(13, 0))


def test_flag_wins_over_environment_and_driver() -> None:
    backend, reason = choose_backend("cu124", {"UV_TORCH_BACKEND": "cu128"}, DRIVER_130)
    assert backend.name == "cu124" and reason == "--backend cu124"


def test_uv_torch_backend_wins_over_driver() -> None:
    backend, reason = choose_backend("auto", {"UV_TORCH_BACKEND": "cu124"}, DRIVER_130)
    assert backend.name == "cu124" and "UV_TORCH_BACKEND=cu124" in reason


def test_driver_decides_like_uv_torch_backend_auto() -> None:
    assert choose_backend("auto", {}, DRIVER_124)[0].name == "cu124"
    assert choose_backend("auto", {}, DRIVER_128)[0].name == "cu128"
    assert choose_backend("auto", {"UV_TORCH_BACKEND": "auto"}, DRIVER_130)[0].name == "cu130"


def test_uv_torch_backend_cu130_is_known() -> None:
    backend, reason = choose_backend("auto", {"UV_TORCH_BACKEND": "cu130"}, DRIVER_128)
    assert backend.name == "cu130" and "UV_TORCH_BACKEND=cu130" in reason


def test_no_gpu_takes_the_newest_backend_and_says_so() -> None:
    backend, reason = choose_backend("auto", {}, NO_DRIVER)
    assert backend.name == "cu130" and "no NVIDIA driver" in reason


def test_unknown_backend_names_the_available_ones() -> None:
    with pytest.raises(
        SyncError, match=r"--backend: unknown backend 'cu126'\. Available: cu124, cu128, cu130"
    ):
        choose_backend("cu126", {}, NO_DRIVER)
    with pytest.raises(SyncError, match="UV_TORCH_BACKEND"):
        choose_backend("auto", {"UV_TORCH_BACKEND": "rocm6.3"}, NO_DRIVER)


@pytest.mark.parametrize(
    ("profile", "frozen", "expected"),
    [
        ("dev", False, ["uv", "sync", "--locked", "--extra", "cu124"]),
        ("staging", False, ["uv", "sync", "--locked", "--extra", "cu124", "--project", "staging"]),
        ("prod", True, ["uv", "sync", "--frozen", "--extra", "cu124", "--project", "prod"]),
    ],
)
def test_command_per_profile(repo_root: Path, profile: str, frozen: bool, expected: list[str]) -> None:
    plan = plan_sync("cu124", profile, frozen, repo_root, environ={}, driver=NO_DRIVER)
    assert plan.command == expected and plan.cwd == repo_root


def test_unknown_profile(repo_root: Path) -> None:
    with pytest.raises(SyncError, match="unknown profile 'test'"):
        plan_sync("cu124", "test", project_root=repo_root)


def test_cli_prints_the_command(repo_root: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["sync", "--backend", "cu124", "--profile", "staging", "--dry-run", "--project-root", str(repo_root)],
    )
    assert result.exit_code == 0, result.output
    assert "uv sync --locked --extra cu124 --project staging" in result.output


def test_cli_bad_backend_is_a_clear_error(repo_root: Path) -> None:
    result = CliRunner().invoke(
        app, ["sync", "--backend", "cu999", "--dry-run", "--project-root", str(repo_root)]
    )
    assert result.exit_code == 2
    assert "unknown backend 'cu999'" in result.output
