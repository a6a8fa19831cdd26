"""Fault catalogue, issue 13, the CI workflow: the matrix step fails on nox's failure, prod cells find the
release commit offline, and self-hosted GPU runners only run trusted pull requests.

The matrix step's own script runs in bash as GitHub runs it (`shell: bash` is `bash -eo pipefail`), with a
stand-in `uvx` on PATH that fails the way a broken nox does; git resolves the release URL for real.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from vlmhyperbench.env.info import source_checkout

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def _cells_step(workflow: dict[Any, Any]) -> dict[Any, Any]:
    return next(s for s in workflow["jobs"]["matrix"]["steps"] if s.get("id") == "cells")


def _run_step(
    step: dict[Any, Any], tmp_path: Path, uvx_body: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    uvx = bin_dir / "uvx"
    uvx.write_text(f"#!/bin/bash\n{uvx_body}\n", encoding="utf-8")
    uvx.chmod(uvx.stat().st_mode | stat.S_IEXEC)
    output = tmp_path / "github_output"
    output.touch()
    assert step["shell"] == "bash"
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
    )
    return result, output.read_text(encoding="utf-8")


def test_the_matrix_step_fails_when_nox_fails(workflow: dict[Any, Any], tmp_path: Path) -> None:
    result, output = _run_step(
        _cells_step(workflow), tmp_path, 'echo "nox > Session ci-matrix failed."; exit 1'
    )
    assert result.returncode != 0
    assert output == ""  # no empty matrix for the next jobs' fromJSON


def test_the_matrix_step_refuses_a_last_line_that_is_not_a_matrix(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    result, output = _run_step(_cells_step(workflow), tmp_path, 'echo "nox > warning: something"')
    assert result.returncode != 0 and "printed no JSON matrix" in result.stdout
    assert output == ""


def test_the_matrix_step_passes_the_matrices_on(workflow: dict[Any, Any], tmp_path: Path) -> None:
    result, output = _run_step(_cells_step(workflow), tmp_path, "echo noise; echo '{\"include\": []}'")
    assert result.returncode == 0, result.stderr
    assert output.splitlines() == [
        'tests={"include": []}',
        'bench={"include": []}',
        'serve={"include": []}',
    ]


def test_prod_cells_resolve_the_release_url_from_the_checkout(workflow: dict[Any, Any]) -> None:
    checkout = source_checkout()
    if checkout is None:
        pytest.skip("needs vlmhyperbench's own git checkout")
    env = {k: str(v).replace("${{ github.workspace }}", str(checkout)) for k, v in workflow["env"].items()}
    url = env["GIT_CONFIG_VALUE_0"]
    head = subprocess.run(
        ["git", "ls-remote", url, "HEAD"],
        env={**os.environ, **env, "GIT_TERMINAL_PROMPT": "0"},
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()[0]
    assert (
        head
        == subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True
        ).stdout.strip()
    )


def test_gpu_benchmarks_run_only_trusted_code(workflow: dict[Any, Any]) -> None:
    bench = workflow["jobs"]["bench"]
    gate = " ".join(bench["if"].split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in gate
    assert "github.event.label.name == 'safe-to-bench'" in gate
    assert "labeled" in workflow[True]["pull_request"]["types"]  # YAML reads the key `on` as True
    # every other job stays on GitHub's hosted runners, where fork code is sandboxed
    assert workflow["jobs"]["checks"]["runs-on"] == "ubuntu-latest"
