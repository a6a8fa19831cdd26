"""The environment a result was measured in, recorded into every benchmark and report.

Local paths (the interpreter, the install source) are recorded relative to the checkout or to `~`
(`portable_path`): results are shared and uploaded, and must not reveal the user's home or folder layout.

One flat dict of facts that keep their types (str, int, bool or None), so it drops straight into
pytest-benchmark's `machine_info`, JSON results and report tables; `vlmhyperbench.results.Environment`
is its schema.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, TypedDict, cast
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

from vlmhyperbench.env.backends import backend_for_cuda
from vlmhyperbench.env.gpu import query_driver
from vlmhyperbench.env.profile import detect_profile
from vlmhyperbench.env.torch_guard import torch_available

# Set by the nox matrix so a result names the cell it came from, even in --no-venv mode.
CELL_ENV_VARS = {"backend": "VLMHYPERBENCH_BACKEND", "profile": "VLMHYPERBENCH_PROFILE"}


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/vlmhyperbench in a checkout


def source_checkout(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The git checkout vlmhyperbench runs from (an editable install), or None.

    Only a checkout whose `src/vlmhyperbench` is this package counts: an installed copy under some other
    repository (a virtual environment inside a project, the folder a command runs from) is not ours.
    """
    for parent in package_dir.parents:
        if (parent / ".git").exists():
            return parent if (parent / "src" / "vlmhyperbench").resolve() == package_dir.resolve() else None
    return None


def project_checkout() -> Path | None:
    """The vlmhyperbench checkout this process belongs to: the one it runs from (editable), else the one
    its virtual environment lives in (`.venv`, `.nox/...`, `staging/.venv`), else None."""
    from vlmhyperbench.env.project import ProjectNotFoundError, find_project_root

    checkout = source_checkout()
    if checkout is not None:
        return checkout
    try:
        return find_project_root(Path(sys.prefix))
    except (ProjectNotFoundError, OSError):
        return None


def _home() -> Path | None:
    try:
        return Path.home()
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        return None


def portable_path(path: str | Path, checkout: Path | None = None, home: Path | None = None) -> str:
    """A local path as results record it, without the user's folder layout: under the vlmhyperbench
    checkout as `<checkout>/...`, else under the home folder as `~/...`, else (a system interpreter such as
    /usr/bin/python3) as it is. Results are shared and uploaded; these two forms still tell which checkout's
    environment or which cache produced a number. `checkout` and `home` default to this process's."""
    checkout = checkout or project_checkout()
    home = home or _home()
    where = Path(os.path.abspath(path))
    for base, label in ((checkout, "<checkout>"), (home, "~")):
        if base is None:
            continue
        base = Path(os.path.abspath(base))
        if where == base:
            return label
        if where.is_relative_to(base):
            return f"{label}/{where.relative_to(base).as_posix()}"
    return str(path)


def portable_source(url: str, checkout: Path | None = None, home: Path | None = None) -> str:
    """Where vlmhyperbench was installed from (a PEP 610 URL, or "index") without local paths or
    credentials: `file:<checkout>`, `file:~/wheels/x.whl`, a git URL without its `user:token@`."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return "file:" + portable_path(url2pathname(parts.path), checkout, home)
    if parts.netloc and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return url


def portable_environment(facts: dict[str, Fact]) -> dict[str, Fact]:
    """`facts` with `executable` and `install_source` made portable; also for facts another interpreter
    collected (an A/B side running an older release, which records them as absolute paths)."""
    portable = dict(facts)
    if isinstance(portable.get("executable"), str):
        portable["executable"] = portable_path(str(portable["executable"]))
    if isinstance(portable.get("install_source"), str):
        portable["install_source"] = portable_source(str(portable["install_source"]))
    return portable


def commit_info() -> dict[str, Any]:
    """pytest-benchmark's `commit_info` of vlmhyperbench's own checkout: its `get_commit_info` asks git in
    the working directory, which from inside another repository records that repository's commit as ours
    (in the result file name too). An installed package is `unversioned`, as pytest-benchmark says."""
    from pytest_benchmark.utils import get_commit_info

    checkout = source_checkout()
    if checkout is None:
        return {"id": "unversioned", "time": None, "author_time": None, "dirty": False,
                "project": "vlmhyperbench", "branch": "(unknown)"}  # fmt: skip
    before = Path.cwd()
    os.chdir(checkout)
    try:
        info: dict[str, Any] = get_commit_info("vlmhyperbench")
    finally:
        os.chdir(before)
    return info


def git_sha(cwd: str | Path | None = None) -> str | None:
    """HEAD of vlmhyperbench's own checkout (or of `cwd`), `-dirty` when its work tree has changes;
    None for an installed package, whatever repository the command runs from."""
    where = Path(cwd) if cwd is not None else source_checkout()
    if where is None:
        return None
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}-dirty" if dirty else sha


Fact = str | int | bool | None


class TorchFacts(TypedDict):
    torch: str | None
    torch_cuda: str | None
    cudnn: int | None
    cuda_available: bool
    device: str


def torch_facts() -> TorchFacts:
    """torch, its CUDA build and what it sees, without failing when torch is absent."""
    if not torch_available():
        return {"torch": None, "torch_cuda": None, "cudnn": None, "cuda_available": False, "device": "cpu"}
    import torch

    cuda_ok = torch.cuda.is_available()
    cudnn = torch.backends.cudnn.version() if cuda_ok else None
    return {
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "cudnn": cudnn,
        "cuda_available": cuda_ok,
        "device": torch.cuda.get_device_name(0) if cuda_ok else "cpu",
    }


def _torch_version_file() -> dict[str, str | None] | None:
    """torch's generated version.py (`__version__`, `cuda`, `hip`, ...) read as text, torch not imported;
    None where it is absent or not the plain assignments torch writes."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "version.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    values: dict[str, str | None] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, expression = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, expression = node.target, node.value
        else:
            continue
        try:
            value = ast.literal_eval(expression)
        except ValueError:
            continue
        if isinstance(target, ast.Name) and (value is None or isinstance(value, str)):
            values[target.id] = value
    return values if isinstance(values.get("__version__"), str) else None


def recorded_torch_facts(gpus_visible: bool) -> TorchFacts:
    """torch_facts for a result's record, without importing torch where it could tell nothing more.

    With no NVIDIA GPU visible to the driver a CUDA build of torch sees no device, so its version and
    CUDA build are read from its version.py: a served or Tesseract run then never loads torch (about 2 s
    of CPU a run). Where torch is loaded already, a GPU is visible or the build is not CUDA's, torch says.
    """
    if "torch" in sys.modules or gpus_visible:
        return torch_facts()
    version = _torch_version_file()
    if version is None or version.get("hip") or version.get("xpu"):
        return torch_facts()
    return {
        "torch": version["__version__"],
        "torch_cuda": version.get("cuda"),
        "cudnn": None,
        "cuda_available": False,
        "device": "cpu",
    }


def collect_environment() -> dict[str, Fact]:
    """Everything that can change a number: interpreter, torch/CUDA, driver, GPU, libraries, cell, commit."""
    facts: dict[str, Fact] = {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    driver = query_driver()
    torch = recorded_torch_facts(gpus_visible=bool(driver.gpus))
    facts.update(cast("dict[str, Fact]", torch))  # a TypedDict is a Mapping[str, object] to mypy
    detected = backend_for_cuda(torch["torch_cuda"])
    facts["backend"] = os.environ.get(CELL_ENV_VARS["backend"]) or (detected.name if detected else None)
    facts["backend_detected"] = detected.name if detected else None
    facts["driver"] = driver.driver_version
    facts["driver_cuda"] = driver.cuda_version_str
    facts["gpu"] = ", ".join(g.name for g in driver.gpus) or None
    for dist in ("transformers", "torchvision", "tokenizers", "accelerate", "flash-attn", "nvidia-ml-py"):
        facts[dist.replace("-", "_")] = _version(dist)
    try:
        installed = detect_profile()
        facts["vlmhyperbench"] = installed.version
        facts["profile"] = os.environ.get(CELL_ENV_VARS["profile"]) or installed.profile
        facts["install_source"] = installed.source
        facts["release_commit"] = installed.commit
    except importlib.metadata.PackageNotFoundError:
        facts["vlmhyperbench"] = None
        facts["profile"] = os.environ.get(CELL_ENV_VARS["profile"])
    facts["git_sha"] = git_sha()
    return portable_environment(facts)
