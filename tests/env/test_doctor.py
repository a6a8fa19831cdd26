"""doctor names each broken contract and its fix; the seed's common problems included."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vlmhyperbench.cli import app
from vlmhyperbench.env import doctor
from vlmhyperbench.env.doctor import FAIL, OK, SKIP, WARN, DoctorContext, run_checks
from vlmhyperbench.env.gpu import DriverInfo, GpuInfo
from vlmhyperbench.env.info import TorchFacts
from vlmhyperbench.env.profile import detect_profile
from vlmhyperbench.env.project import ProjectFiles

TORCH_CU124: TorchFacts = {
    "torch": "2.6.0+cu124",
    "torch_cuda": "12.4",
    "cudnn": None,
    "cuda_available": False,
    "device": "cpu",
}
TORCH_CU128: TorchFacts = {**TORCH_CU124, "torch": "2.10.0+cu128", "torch_cuda": "12.8"}
NO_TORCH: TorchFacts = {
    "torch": None,
    "torch_cuda": None,
    "cudnn": None,
    "cuda_available": False,
    "device": "cpu",
}


def make_project(tmp_path: Path, pin: str | None = "3.12") -> ProjectFiles:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "vlmhyperbench"\nversion = "0"\nrequires-python = ">=3.10,!=3.11.*,<3.13"\n'
    )
    if pin is not None:
        (tmp_path / ".python-version").write_text(pin + "\n")
    return ProjectFiles(tmp_path)


@pytest.fixture
def ctx(tmp_path: Path) -> DoctorContext:
    return DoctorContext(
        project=make_project(tmp_path),
        python_version="3.12.1",
        environ={},
        torch=TORCH_CU128,
        driver=DriverInfo(error="no driver"),
    )


def test_forgotten_pin_is_named_with_its_fix(tmp_path: Path, ctx: DoctorContext) -> None:
    unpinned = tmp_path / "unpinned"
    unpinned.mkdir()
    check = doctor.check_python_pin(replace(ctx, project=make_project(unpinned, pin=None)))
    assert check.status == FAIL
    assert "different" in check.summary or "own Python" in check.summary
    assert check.fix == "uv python pin 3.12"


def test_interpreter_other_than_the_pin(ctx: DoctorContext) -> None:
    check = doctor.check_python_pin(replace(ctx, python_version="3.10.13"))
    assert check.status == FAIL
    assert "pins 3.12" in check.summary and "--python 3.12" in (check.fix or "")


def test_a_pin_outside_the_supported_range_is_not_suggested(tmp_path: Path, ctx: DoctorContext) -> None:
    """Issue 13: a bad pin (3.11, excluded by requires-python) was answered with `uv sync --python 3.11`."""
    folder = tmp_path / "bad-pin"
    folder.mkdir()
    check = doctor.check_python_pin(replace(ctx, project=make_project(folder, pin="3.11")))
    assert check.status == FAIL
    assert "3.11 is outside requires-python >=3.10,!=3.11.*,<3.13" in check.summary
    assert check.fix is not None and "3.11" not in check.fix and "uv python pin 3.12" in check.fix


def test_matrix_cell_python_overrides_the_pin(ctx: DoctorContext) -> None:
    cell = replace(ctx, python_version="3.10.13", environ={"VLMHYPERBENCH_PYTHON": "3.10"})
    assert doctor.check_python_pin(cell).status == OK
    wrong = replace(ctx, environ={"VLMHYPERBENCH_PYTHON": "3.10"})
    assert doctor.check_python_pin(wrong).status == FAIL


def test_python_outside_the_supported_range(ctx: DoctorContext) -> None:
    assert doctor.check_python_supported(ctx).status == OK
    check = doctor.check_python_supported(replace(ctx, python_version="3.11.7"))
    assert check.status == FAIL and "!=3.11.*" in check.summary


def test_sync_without_extra_is_named_with_both_backends(ctx: DoctorContext) -> None:
    check = doctor.check_torch_installed(replace(ctx, torch=NO_TORCH))
    assert check.status == FAIL
    assert "uv sync --extra cu124" in (check.fix or "") and "uv sync --extra cu128" in (check.fix or "")


def test_torch_build_of_no_known_backend(ctx: DoctorContext) -> None:
    cpu: TorchFacts = {**TORCH_CU128, "torch": "2.13.0+cpu", "torch_cuda": None}
    check = doctor.check_torch_backend(replace(ctx, torch=cpu))
    assert check.status == FAIL and "CPU build" in check.summary
    cu132: TorchFacts = {**TORCH_CU128, "torch": "2.15.0", "torch_cuda": "13.2"}
    assert doctor.check_torch_backend(replace(ctx, torch=cu132)).status == FAIL


def test_torch_2_11_cuda_13_0_is_backend_cu130(ctx: DoctorContext) -> None:
    cu130: TorchFacts = {**TORCH_CU128, "torch": "2.11.0+cu130", "torch_cuda": "13.0"}
    check = doctor.check_torch_backend(replace(ctx, torch=cu130, environ={"VLMHYPERBENCH_BACKEND": "cu130"}))
    assert check.status == OK and "backend cu130" in check.summary
    assert (
        doctor.check_uv_torch_backend(replace(ctx, torch=cu130, environ={"UV_TORCH_BACKEND": "cu130"})).status
        == OK
    )
    old = DriverInfo(driver_version="570.26", cuda_version=(12, 8), gpus=(GpuInfo("H100", 80 << 30),))
    check = doctor.check_driver(replace(ctx, torch=cu130, driver=old))
    assert (
        check.status == FAIL and ">= 580.65.06" in (check.fix or "") and "--extra cu128" in (check.fix or "")
    )


def test_torch_outside_its_backends_range(ctx: DoctorContext) -> None:
    odd: TorchFacts = {**TORCH_CU128, "torch": "2.7.1", "torch_cuda": "12.8"}
    check = doctor.check_torch_backend(replace(ctx, torch=odd))
    assert check.status == FAIL and "torch>=2.8,<2.11" in check.summary


def test_cell_backend_disagrees_with_installed_torch(ctx: DoctorContext) -> None:
    check = doctor.check_torch_backend(replace(ctx, environ={"VLMHYPERBENCH_BACKEND": "cu124"}))
    assert check.status == FAIL and "--extra cu124" in (check.fix or "")
    assert doctor.check_torch_backend(replace(ctx, environ={"VLMHYPERBENCH_BACKEND": "cu128"})).status == OK


def test_uv_torch_backend_that_uv_sync_ignored(ctx: DoctorContext) -> None:
    check = doctor.check_uv_torch_backend(replace(ctx, environ={"UV_TORCH_BACKEND": "cu124"}))
    assert check.status == FAIL
    assert "ignores" in check.summary and "vlmhyperbench sync" in (check.fix or "")
    assert doctor.check_uv_torch_backend(replace(ctx, environ={"UV_TORCH_BACKEND": "cu128"})).status == OK
    assert doctor.check_uv_torch_backend(ctx).status == SKIP
    assert doctor.check_uv_torch_backend(replace(ctx, environ={"UV_TORCH_BACKEND": "cu999"})).status == FAIL


def test_driver_too_old_for_the_backend(ctx: DoctorContext) -> None:
    old = DriverInfo(driver_version="550.54.14", cuda_version=(12, 4), gpus=(GpuInfo("H100", 80 << 30),))
    check = doctor.check_driver(replace(ctx, driver=old))
    assert check.status == FAIL
    assert "too old for cu128" in check.summary and "uv sync --extra cu124" in (check.fix or "")
    assert doctor.check_driver(replace(ctx, driver=old, torch=TORCH_CU124)).status == OK
    assert doctor.check_driver(ctx).status == SKIP


def test_gpu_seen_by_driver_but_not_by_torch_fails(ctx: DoctorContext) -> None:
    driver = DriverInfo(driver_version="580.1", cuda_version=(13, 0), gpus=(GpuInfo("H100", 80 << 30),))
    assert doctor.check_gpu(replace(ctx, driver=driver)).status == FAIL
    assert doctor.check_gpu(ctx).status == WARN
    assert doctor.check_gpu(replace(ctx, torch={**TORCH_CU128, "cuda_available": True})).status == OK


def test_profile_names_the_installed_one(ctx: DoctorContext) -> None:
    installed = detect_profile()  # dev in a checkout, staging in the staging cells
    check = doctor.check_profile(ctx)
    assert check.status == OK and check.summary.startswith(f"{installed.profile}:")
    assert ("not editable" in check.summary) is (not installed.editable)
    other = next(p for p in ("dev", "staging", "prod") if p != installed.profile)
    wrong = doctor.check_profile(replace(ctx, environ={"VLMHYPERBENCH_PROFILE": other}))
    assert wrong.status == FAIL and f"--profile {other}" in (wrong.fix or "")


def test_stale_lock_is_found_by_real_uv(tmp_path: Path, ctx: DoctorContext) -> None:
    project = ctx.project
    assert project is not None
    (tmp_path / "uv.lock").write_text('version = 1\nrequires-python = ">=3.10"\n')
    checks = doctor.check_locks(replace(ctx, project=project))
    by_name = {c.name: c for c in checks}
    assert by_name["lock dev"].status == FAIL and by_name["lock dev"].fix == f"uv lock --project {tmp_path}"
    assert by_name["lock staging"].status == FAIL and "missing" in by_name["lock staging"].summary


def test_doctor_cli_json_on_this_environment(repo_root: Path) -> None:
    result = CliRunner().invoke(app, ["doctor", "--json", "--project-root", str(repo_root)])
    report = json.loads(result.output)
    names = [c["name"] for c in report["checks"]]
    assert names[:8] == [
        "python pin",
        "python range",
        "torch",
        "backend",
        "UV_TORCH_BACKEND",
        "gpu",
        "nvidia driver",
        "profile",
    ]
    assert result.exit_code == (0 if report["ok"] else 1)
    assert {c["name"] for c in report["checks"] if c["name"].startswith("lock")} == {
        "lock dev",
        "lock staging",
        "lock prod",
    }


def test_run_checks_returns_every_check(ctx: DoctorContext) -> None:
    checks = run_checks(ctx=ctx)
    assert len(checks) == len(doctor.SINGLE_CHECKS) + 3
