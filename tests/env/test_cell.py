"""Matrix cells: ids, the backend label of an install, and the profile read from the installer's record."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from vlmhyperbench.env.cell import CELL_ENV_VAR, Cell, cuda_label, current_cell
from vlmhyperbench.env.profile import detect_profile
from vlmhyperbench.results import ResultStore


def test_cell_id_round_trips_and_bad_ids_are_named() -> None:
    cell = Cell.parse("3.12-cu124-dev")
    assert cell == Cell("3.12", "cu124", "dev") and cell.id == "3.12-cu124-dev"
    with pytest.raises(ValueError, match=r"'3\.12-cu124' is not of the form PYTHON-BACKEND-PROFILE"):
        Cell.parse("3.12-cu124")


def test_nox_sets_the_cell_and_its_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CELL_ENV_VAR, "3.10-cu128-staging")
    assert current_cell().id == "3.10-cu128-staging"
    assert ResultStore(tmp_path).cell_folder(current_cell().id) == tmp_path / "3.10-cu128-staging"


def test_a_cuda_build_outside_the_registry_keeps_its_own_label() -> None:
    # torch >= 2.11 from PyPI is CUDA 13.0, which no backend row names: not "cpu", and not cu128
    assert cuda_label("13.0") == "cu130"
    assert cuda_label("12.6.3") == "cu126"
    assert cuda_label(None) == "cpu" and cuda_label("") == "cpu"


def _installed(tmp_path: Path, version: str, direct_url: dict[str, Any] | None) -> Path:
    """A distribution as an installer leaves it: a dist-info folder, with direct_url.json when it has one."""
    info = tmp_path / f"vlmhb_probe-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: vlmhb-probe\nVersion: {version}\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    return tmp_path


@pytest.mark.parametrize(
    ("version", "direct_url", "profile"),
    [
        ("0.1.0", None, "prod"),  # from an index: a published release
        ("0.2.0.dev0", None, "staging"),  # a dev build from a wheelhouse (pip --find-links records no URL)
        ("0.2.0+g1234", None, "staging"),
        ("0.2.0.dev0", {"url": "file:///src", "dir_info": {"editable": True}}, "dev"),
        ("0.2.0.dev0", {"url": "file:///src", "dir_info": {}}, "staging"),
        ("0.1.0", {"url": "https://x/y.git", "vcs_info": {"vcs": "git", "commit_id": "448b682"}}, "prod"),
        (
            "0.2.0.dev0",
            {"url": "file:///w/vlmhb_probe-0.2.0.dev0-py3-none-any.whl", "archive_info": {}},
            "staging",
        ),
        ("0.1.0", {"url": "file:///w/vlmhb_probe-0.1.0-py3-none-any.whl", "archive_info": {}}, "prod"),
        ("0.1.0", {"url": "svn+x"}, "unknown"),
    ],
)
def test_profile_from_the_installers_record(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
    direct_url: dict[str, Any] | None,
    profile: str,
) -> None:
    monkeypatch.setattr(sys, "path", [str(_installed(tmp_path, version, direct_url)), *sys.path])
    installed = detect_profile("vlmhb-probe")
    assert (installed.profile, installed.version) == (profile, version)
