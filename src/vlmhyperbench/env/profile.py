"""Which install profile is running: dev (editable), staging (this tree, built) or prod (a release).

Read from the installer's record (PEP 610 `direct_url.json`), so it cannot be claimed, only observed.
"""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import dataclass

from packaging.version import Version

PROFILES = ("dev", "staging", "prod")


@dataclass(frozen=True)
class InstalledProfile:
    """How vlmhyperbench is installed in the running environment."""

    profile: str  # dev, staging, prod, or "unknown"
    version: str
    editable: bool
    source: str  # the URL or path it was installed from, or "index"
    commit: str | None = None  # the git commit of a VCS install (prod)


def detect_profile(dist_name: str = "vlmhyperbench") -> InstalledProfile:
    dist = importlib.metadata.distribution(dist_name)
    raw = dist.read_text("direct_url.json")
    if raw is None:  # installed from an index or a wheelhouse (pip --find-links): no URL is recorded
        return InstalledProfile(_built_profile(dist.version), dist.version, editable=False, source="index")
    direct = json.loads(raw)
    url = direct.get("url", "")
    if "archive_info" in direct:  # a wheel or sdist file named on the command line
        return InstalledProfile(_built_profile(dist.version), dist.version, editable=False, source=url)
    if "vcs_info" in direct:
        return InstalledProfile(
            "prod", dist.version, editable=False, source=url, commit=direct["vcs_info"].get("commit_id")
        )
    if direct.get("dir_info", {}).get("editable"):
        return InstalledProfile("dev", dist.version, editable=True, source=url)
    if "dir_info" in direct:
        return InstalledProfile("staging", dist.version, editable=False, source=url)
    return InstalledProfile("unknown", dist.version, editable=False, source=url)


def _built_profile(version: str) -> str:
    """A built, non-editable install: a release version is a published release (prod); a dev or local
    version is a build of a work tree (staging)."""
    parsed = Version(version)
    return "staging" if parsed.is_devrelease or parsed.local is not None else "prod"
