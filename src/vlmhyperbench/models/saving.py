"""`save_model(spec, folder)`: write a model (a `dummy:` preset included) as a plain local model folder.

The folder is what `save_pretrained` writes for the model and for its processor (config, weights,
tokenizer, image processor, chat template), so any server that loads a local model folder serves it:
`transformers serve FOLDER`, `vllm serve FOLDER`. A served benchmark of the same seed then runs the very
weights an in-process `dummy:` run builds.
"""

from __future__ import annotations

from pathlib import Path

from vlmhyperbench.errors import UsageError
from vlmhyperbench.models.loading import load_vlm


def save_model(spec: str, folder: Path, *, seed: int = 0, dtype: str = "auto") -> Path:
    """Load `spec` on the CPU and save model and processor into `folder`, which must be new or empty.

    An existing non-empty folder is refused rather than mixed with another model's files.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} already exists and is not an empty folder: choose a new one")
    loaded = load_vlm(spec, device="cpu", dtype=dtype, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    loaded.model.save_pretrained(folder)
    loaded.processor.save_pretrained(folder)
    return folder
