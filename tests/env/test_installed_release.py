"""What the prod cells test: the installed vlmhyperbench is exactly the pinned release, and it runs.

The rest of the suite describes the current tree, not the release, so prod runs this file alone
(`nox -s "tests-3.12-cu124(prod)"`); in other profiles it is skipped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vlmhyperbench
from vlmhyperbench.env.profile import detect_profile
from vlmhyperbench.env.project import ProjectFiles

INSTALLED = detect_profile()
pytestmark = pytest.mark.skipif(
    INSTALLED.profile != "prod", reason=f"vlmhyperbench is installed as {INSTALLED.profile}, not prod"
)


def test_installed_commit_is_the_one_prod_pins(repo_root: Path) -> None:
    _, pinned = ProjectFiles(repo_root).prod_release()
    assert INSTALLED.commit == pinned


def test_installed_files_are_the_release_files(repo_root: Path) -> None:
    package = Path(vlmhyperbench.__file__).parent
    assert "site-packages" in str(package), "prod must not import from the work tree"
    sources = sorted(package.rglob("*.py"))
    assert sources
    for source in sources:
        relative = source.relative_to(package.parent).as_posix()
        released = subprocess.run(
            ["git", "show", f"{INSTALLED.commit}:src/{relative}"],
            cwd=repo_root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert source.read_text() == released, f"{relative} differs from release {INSTALLED.commit}"


def test_release_cli_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vlmhyperbench.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "doctor" in result.stdout
