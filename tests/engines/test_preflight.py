"""A model spec that could only fail after the heavy imports fails first, in one line (engines/preflight.py).

The commands run for real in a subprocess, offline as every test is: a misspelt preset gets "did you mean",
a Hugging Face id that is not cached says nothing was asked of the hub and suggests dummy: presets or a
folder, and a folder without annotation.csv names the layouts and `data synth` / `data check`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vlmhyperbench.engines.preflight import check_model, shipped_presets
from vlmhyperbench.errors import ModelLoadError
from vlmhyperbench.registry import UnknownNameError

HUB_ID = "VlmHyperBenchTests/not-a-real-model"


def _cli(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "COLUMNS": "300"}
    environment.update(env or {})
    command = [sys.executable, "-m", "vlmhyperbench.cli", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    return line


def test_shipped_presets_are_read_without_torch() -> None:
    code = "import sys; from vlmhyperbench.engines.preflight import shipped_presets as s; print(s()); " \
        "print('torch' in sys.modules)"  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names, torch_loaded = done.stdout.splitlines()
    assert "tiny-qwen2-vl" in names and torch_loaded == "False"
    assert "tiny-llava" in shipped_presets()


def test_a_misspelt_preset_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown preset 'tiny-qwen2vl'\. Available: .*tiny-llava"):
        check_model("dummy:tiny-qwen2vl")
    with pytest.raises(UnknownNameError, match=r"did you mean 'dummy:tiny-qwen2-vl'\?"):
        check_model("dummy:tiny-qwen2vl")
    check_model("dummy:tiny-qwen2-vl")  # a shipped one passes
    check_model("tesseract:rus")  # other engines check their own specs


def test_an_uncached_hub_id_offline_fails_without_asking_the_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="nothing was asked of the hub: use a dummy:<preset>"):
        check_model(HUB_ID)


@pytest.mark.parametrize("command", ["bench", "run", "doctor"])
def test_commands_refuse_a_misspelt_preset_with_did_you_mean(command: str, tmp_path: Path) -> None:
    line = _one_line(_cli(command, "--model", "dummy:tiny-lava", cwd=tmp_path))
    assert "Unknown preset 'tiny-lava'" in line and "did you mean 'dummy:tiny-llava'?" in line
    assert not any(tmp_path.iterdir())  # nothing written: refused before anything started


@pytest.mark.parametrize("command", ["bench", "run", "doctor"])
def test_commands_refuse_an_offline_hub_id_suggesting_presets(command: str, tmp_path: Path) -> None:
    """No retries: the message says the hub was not asked (the check runs before transformers loads)."""
    result = _cli(command, "--model", HUB_ID, cwd=tmp_path)
    line = _one_line(result)
    assert f"model '{HUB_ID}' is a Hugging Face id, HF_HUB_OFFLINE is set" in line
    assert (
        "nothing was asked of the hub" in line
        and "dummy:tiny-qwen2-vl" in line
        and "local model folder" in line
    )
    assert "loading" not in result.stderr  # no model load began


def test_run_on_a_folder_of_scans_names_the_layouts(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "page-1.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = _cli("run", "--dataset", scans, "--model", "dummy:tiny-qwen2-vl", "--out", tmp_path / "out",
                  cwd=tmp_path)  # fmt: skip
    output = " ".join(result.stderr.split())
    assert result.returncode == 2, output
    assert "no annotation.csv in the dataset folder; accepted layouts: question answering" in output
    assert "<class>/images/<subset>/<page>.jpg" in output and "jsons/<doc_id>.json" in output
    assert "vlmhyperbench data synth --out DIR" in output and "vlmhyperbench data check DIR" in output
    assert "loading" not in output
