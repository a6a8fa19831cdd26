"""The repository's own contract files: `.python-version`, requires-python, the three projects and locks.

doctor and sync read the contract from these files rather than from constants, so they always judge an
environment against the checkout the user is standing in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmhyperbench.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on the 3.10 cells
    import tomli as tomllib

PROFILE_DIRS = {"dev": ".", "staging": "staging", "prod": "prod"}


class ProjectNotFoundError(UsageError, FileNotFoundError):
    """No vlmhyperbench checkout above the given folder."""


@dataclass(frozen=True)
class ProjectFiles:
    """One vlmhyperbench checkout."""

    root: Path

    @property
    def pyproject(self) -> dict[str, Any]:
        return load_toml(self.root / "pyproject.toml")

    @property
    def requires_python(self) -> str:
        return str(self.pyproject["project"]["requires-python"])

    def python_pin(self) -> str | None:
        """The version in `.python-version` (as `uv python pin` writes it), or None when nobody pinned."""
        pin_file = self.root / ".python-version"
        if not pin_file.is_file():
            return None
        for line in pin_file.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                return line.strip()
        return None

    def profile_dir(self, profile: str) -> Path:
        if profile not in PROFILE_DIRS:
            raise UsageError(f"Unknown profile {profile!r}. Available: {', '.join(PROFILE_DIRS)}")
        return (self.root / PROFILE_DIRS[profile]).resolve()

    def extras(self, profile: str = "dev") -> dict[str, list[str]]:
        data = load_toml(self.profile_dir(profile) / "pyproject.toml")
        return {name: list(deps) for name, deps in data["project"].get("optional-dependencies", {}).items()}

    def lock(self, profile: str = "dev") -> dict[str, Any]:
        return load_toml(self.profile_dir(profile) / "uv.lock")

    def prod_release(self) -> tuple[str, str | None]:
        """(git URL, commit) that the prod lock pins vlmhyperbench to."""
        for package in self.lock("prod")["package"]:
            if package["name"] == "vlmhyperbench":
                git = package["source"].get("git")
                if git is None:
                    raise ValueError("prod/uv.lock does not take vlmhyperbench from git")
                url, _, commit = git.partition("#")
                return url.split("?")[0], commit or None
        raise ValueError("prod/uv.lock has no vlmhyperbench package")


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return data


def project_at(root: Path, what: str = "--project-root") -> Path:
    """`root`, resolved, when it is a vlmhyperbench checkout; otherwise a ProjectNotFoundError naming `what`
    (the option the user gave it with), so a typo ends in one line rather than a traceback much later."""
    if not root.is_dir():
        raise ProjectNotFoundError(f"{what} {root}: no such folder")
    try:
        name = load_toml(root / "pyproject.toml").get("project", {}).get("name")
    except OSError:
        name = None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectNotFoundError(f"{what} {root}: pyproject.toml is not valid TOML: {exc}") from None
    if name != "vlmhyperbench":
        raise ProjectNotFoundError(
            f"{what} {root}: not a vlmhyperbench checkout (no pyproject.toml of project 'vlmhyperbench')"
        )
    return root.resolve()


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` whose pyproject.toml is the vlmhyperbench project."""
    here = (start or Path.cwd()).resolve()
    broken: list[str] = []
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                if load_toml(candidate).get("project", {}).get("name") == "vlmhyperbench":
                    return folder
            except tomllib.TOMLDecodeError as exc:  # perhaps ours, damaged: say so rather than "none"
                broken.append(f"{candidate} is not valid TOML: {exc}")
    found = f"; {broken[0]}" if broken else ""
    raise ProjectNotFoundError(f"no vlmhyperbench checkout (pyproject.toml) at or above {here}{found}")
