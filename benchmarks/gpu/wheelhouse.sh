#!/usr/bin/env bash
# Wheels for installing vlmhyperbench on a GPU machine that has torch (and most of the stack) but no
# network: our wheel, plus the locked versions of the runtime dependencies the target lacks.
#
#   bash benchmarks/gpu/wheelhouse.sh [NAME ...]      # default: what the lent H100/H200 image lacks
#
# Writes .whl/ (gitignored). Versions come from uv.lock, so the GPU box runs what CI tested. The target
# installs with `python3 -m pip install --no-index --find-links .whl vlmhyperbench` (sweep.sh does):
# pip keeps what is installed there when it satisfies our ranges and names any dependency still missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
# missing on the lent GPU image (its package list: torch, transformers, rich, typer, sacrebleu, ... are there)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(pydantic pydantic-core annotated-types typing-inspection jiwer rapidfuzz)
python_version=${WHEELHOUSE_PYTHON:-3.12}
rm -rf .whl && mkdir -p .whl
uv build --wheel --out-dir .whl --quiet
# the locked versions of those names for the target Python (the lock is universal: keep the lines whose
# markers hold there; the cu128 resolution, as the pure-Python stack is the same for both backends)
uv export --frozen --no-hashes --no-dev --extra cu128 --no-emit-project --no-annotate --format requirements.txt \
  | uv run --no-project --quiet --with packaging python -c '
import sys
from packaging.requirements import Requirement
names, python = set(sys.argv[2:]), sys.argv[1]
env = {"python_version": python, "python_full_version": python + ".0"}
for line in sys.stdin:
    if line[:1].isalnum():
        req = Requirement(line.strip())
        if req.name in names and (req.marker is None or req.marker.evaluate(env)):
            print(f"{req.name}{req.specifier}")
' "$python_version" "${names[@]}" >.whl/requirements.txt
found=$(wc -l <.whl/requirements.txt)
if [ "$found" -ne ${#names[@]} ]; then
  echo "wheelhouse: uv.lock pins $found of the ${#names[@]} names asked for (${names[*]}):" >&2
  cat .whl/requirements.txt >&2
  exit 2
fi
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64; do
  platforms+=(--platform "$p")
done
uvx --from pip pip download --quiet --no-deps --only-binary=:all: --python-version "$python_version" \
  --implementation cp "${platforms[@]}" -d .whl -r .whl/requirements.txt
ls -1 .whl/*.whl
du -sh .whl | sed 's/^/wheelhouse: /'
