"""The environment record: torch's facts read without importing torch where torch could tell no more."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
from vlmhyperbench.env.info import recorded_torch_facts, torch_facts
recorded = recorded_torch_facts(gpus_visible=False)
imported = "torch" in sys.modules
print(json.dumps({"recorded": recorded, "imported": imported, "torch": torch_facts()}))
"""


def test_without_a_visible_gpu_torch_is_read_not_imported_and_says_the_same() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout)
    assert facts["imported"] is False
    recorded, torch = facts["recorded"], facts["torch"]
    assert recorded["torch"] == torch["torch"] and "+" in recorded["torch"]  # the local build tag: +cu128
    assert recorded["torch_cuda"] == torch["torch_cuda"]
    if not torch["cuda_available"]:  # on a GPU box the caller says gpus_visible=True, and torch is asked
        assert recorded == torch


def test_a_loaded_torch_or_a_visible_gpu_is_asked() -> None:
    import torch  # noqa: F401  (loaded: its own answer is as cheap as the file's)

    from vlmhyperbench.env.info import recorded_torch_facts, torch_facts

    assert recorded_torch_facts(gpus_visible=False) == torch_facts()
    assert recorded_torch_facts(gpus_visible=True) == torch_facts()
