"""`vlmhyperbench compare` needs only the result files: it runs where torch cannot be imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BLOCK_TORCH = """
import sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked in this test")
sys.meta_path.insert(0, NoTorch())
sys.argv = ["vlmhyperbench", "compare", *sys.argv[1:]]
from vlmhyperbench.cli import main
main()
"""


def test_compare_runs_without_torch(root: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-c", BLOCK_TORCH, "3.12-cu124-dev", "--root", str(root)]
    command += ["--out", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # the stored slowdown: a regression, not an import error
    assert "FAILED: 4 significant regression(s)" in done.stdout
    assert (tmp_path / "compare.png").is_file()
