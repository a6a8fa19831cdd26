"""The dev, staging and prod profiles built by the real uv, as a user would build them.

These sync real environments without a backend extra (no torch download; uv hardlinks from its cache),
which is enough to prove what each profile installs and what a torch-less environment says; the prod bench
test adds the cu128 extra (torch from uv's cache), since it runs the speed suites on the release.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.env.uvrun import python_of, release_redirect, run, uv
from vlmhyperbench.env.project import ProjectFiles

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(repo_root: Path) -> ProjectFiles:
    return ProjectFiles(repo_root)


@pytest.fixture(scope="module")
def clone(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this checkout's history: what a user (or CI) has, release commit included."""
    target = tmp_path_factory.mktemp("clone") / "vlmhyperbench"
    subprocess.run(["git", "clone", "-q", "--no-local", str(repo_root), str(target)], check=True)
    return target


def _sync_prod(project: ProjectFiles, clone: Path, venv: Path, *args: str) -> Path:
    """The prod profile synced into `venv` from the clone, the release URL pointed at the clone."""
    result = uv(
        "sync",
        "--frozen",
        "--project",
        "prod",
        *args,
        cwd=clone,
        env={"UV_PROJECT_ENVIRONMENT": str(venv), **release_redirect(project, clone)},
    )
    assert result.returncode == 0, result.stderr
    return venv


@pytest.mark.parametrize("profile", ["dev", "staging", "prod"])
def test_lock_is_up_to_date(project: ProjectFiles, clone: Path, profile: str) -> None:
    result = uv(
        "lock",
        "--check",
        "--project",
        str(project.profile_dir(profile)),
        cwd=project.root,
        env=release_redirect(project, clone),
    )
    assert result.returncode == 0, result.stderr


def test_plain_sync_gives_no_torch_and_every_command_names_the_fix(
    project: ProjectFiles, tmp_path: Path
) -> None:
    venv = tmp_path / "no-extra"
    result = uv("sync", "--frozen", "--no-dev", cwd=project.root, env={"UV_PROJECT_ENVIRONMENT": str(venv)})
    assert result.returncode == 0, result.stderr
    python = python_of(venv)
    assert run([python, "-c", "import torch"], cwd=tmp_path).returncode != 0

    doctor = run([python, "-m", "vlmhyperbench.cli", "doctor"], cwd=project.root)
    assert doctor.returncode == 1
    assert "uv sync --extra cu124" in doctor.stdout and "uv sync --extra cu128" in doctor.stdout

    for module in ("vlmhyperbench.models", "vlmhyperbench.perf"):
        imported = run([python, "-c", f"import {module}"], cwd=tmp_path)
        assert imported.returncode != 0
        assert "uv sync --extra cu124" in imported.stderr, imported.stderr

    bench = run([python, "-m", "vlmhyperbench.cli", "bench", "--model", "dummy:tiny-qwen2-vl"], cwd=tmp_path)
    assert bench.returncode == 3, bench.stdout + bench.stderr
    assert "uv sync --extra cu124" in bench.stderr and "Traceback" not in bench.stderr


def test_staging_installs_this_tree_not_editable(project: ProjectFiles, clone: Path, tmp_path: Path) -> None:
    marker = "# staging ships the working tree as it is\n"
    init = clone / "src" / "vlmhyperbench" / "__init__.py"
    init.write_text(init.read_text() + marker)
    venv = tmp_path / "staging"
    result = uv(
        "sync", "--frozen", "--project", "staging", cwd=clone, env={"UV_PROJECT_ENVIRONMENT": str(venv)}
    )
    assert result.returncode == 0, result.stderr
    probe = run([python_of(venv), "-c", PROBE], cwd=tmp_path)
    installed = json.loads(probe.stdout)
    assert installed["profile"] == "staging" and installed["editable"] is False
    assert installed["file"].startswith(str(venv)), "staging must not import from the source tree"
    assert marker in Path(installed["file"]).read_text()

    # A later edit must reach staging too (uv caches the built wheel; our cache-keys cover src/).
    second = "# and again after an edit\n"
    init.write_text(init.read_text() + second)
    result = uv(
        "sync", "--frozen", "--project", "staging", cwd=clone, env={"UV_PROJECT_ENVIRONMENT": str(venv)}
    )
    assert result.returncode == 0, result.stderr
    assert second in Path(installed["file"]).read_text()


def test_prod_is_the_pinned_release_and_the_work_tree_does_not_leak(
    project: ProjectFiles, clone: Path, tmp_path: Path
) -> None:
    _, pinned = project.prod_release()
    leak = "LEAKED_FROM_WORK_TREE = True\n"
    init = clone / "src" / "vlmhyperbench" / "__init__.py"
    init.write_text(init.read_text() + leak)
    venv = _sync_prod(project, clone, tmp_path / "prod")
    installed = json.loads(run([python_of(venv), "-c", PROBE], cwd=tmp_path).stdout)
    assert installed["profile"] == "prod" and installed["commit"] == pinned
    assert installed["file"].startswith(str(venv))
    assert leak not in Path(installed["file"]).read_text()
    released = subprocess.run(
        ["git", "show", f"{pinned}:src/vlmhyperbench/__init__.py"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(installed["file"]).read_text() == released


def test_prod_bench_runs_this_trees_suites_and_compare_matches_dev(
    project: ProjectFiles, clone: Path, tmp_path: Path
) -> None:
    """The prod bench cell: this tree's benchmarks/ against the installed release (benchmarks/release_api.py),
    stored under the same names, params and config as the current tree's, so `compare prod dev` matches."""
    pytest.importorskip("torch", reason="the dev side runs the suites with this interpreter")
    venv = _sync_prod(project, clone, tmp_path / "prod", "--extra", "cu128")
    suites = ["benchmarks", "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "--vlm-presets=tiny-qwen2-vl"]
    suites += ["--vlm-attn=sdpa", "--vlm-batch=1", "--vlm-rounds=2", "--benchmark-autosave"]
    stored = {}
    for side, python in (("prod", python_of(venv)), ("dev", sys.executable)):
        storage = tmp_path / f"bench-{side}"
        bench = run(
            [
                python,
                "-m",
                "pytest",
                *suites,
                "--benchmark-save-data",
                f"--benchmark-storage=file://{storage}",
            ],
            cwd=project.root,
        )
        assert bench.returncode == 0, bench.stdout[-3000:] + bench.stderr[-3000:]
        [stored[side]] = storage.rglob("*.json")
    _, pinned = project.prod_release()
    prod_env = json.loads(stored["prod"].read_text())["machine_info"]["vlmhyperbench"]
    assert prod_env["profile"] == "prod" and prod_env["release_commit"] == pinned

    out = tmp_path / "compare"
    compare = [sys.executable, "-m", "vlmhyperbench.cli", "compare", "runs"]
    compared = run([*compare, str(stored["prod"]), str(stored["dev"]), "--out", str(out)], cwd=tmp_path)
    assert compared.returncode == 0, compared.stdout + compared.stderr
    table = json.loads((out / "compare.json").read_text())
    rows = {row["benchmark"]: row["columns"] for row in table["rows"]}
    [generate] = rows["test_generate[tiny-qwen2-vl-sdpa-b1]"]
    assert generate["ratio"] is not None and "config differs" not in generate["message"]
    assert all(column["verdict"] != "error" for columns in rows.values() for column in columns), rows


PROBE = """
import json, vlmhyperbench
from vlmhyperbench.env.profile import detect_profile
p = detect_profile()
print(json.dumps({"profile": p.profile, "editable": p.editable, "commit": p.commit,
                  "file": vlmhyperbench.__file__}))
"""
