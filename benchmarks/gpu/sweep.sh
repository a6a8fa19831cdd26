#!/usr/bin/env bash
# The real-size speed sweep on a GPU machine with torch preinstalled and no network (a lab box, a lent
# H100): install from the wheelhouse, run the GPU tests, then `vlmhyperbench bench` per preset.
#
#   bash benchmarks/gpu/sweep.sh [PRESET ...]        # default: qwen2-vl-2b
#
# Environment: OUT (folder for the results; default gpu-results), VLM_BATCH (1,8,32), VLM_ATTN
# (eager,sdpa), VLM_NEW_TOKENS (128), VLM_ROUNDS (3), VLM_WARMUP (1), VLM_DEVICE (cuda),
# VLM_OVERHEAD_BATCH (1; empty skips the bare-loop comparison), VLM_TESTS (1; 0 skips the GPU tests),
# VLM_WHEELHOUSE (.whl, made by wheelhouse.sh; installed when present), PYTHON (python3).
# OUT receives three files: tables.md (one table per run), results.tar.gz (pytest-benchmark JSON,
# doctor.json) and sweep.log. A preset that fails is logged and the sweep goes on.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-gpu-results}
mkdir -p "$out"
out=$(cd "$out" && pwd)
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(qwen2-vl-2b)
batch=${VLM_BATCH:-1,8,32}
attn=${VLM_ATTN:-eager,sdpa}
new_tokens=${VLM_NEW_TOKENS:-128}
rounds=${VLM_ROUNDS:-3}
warmup=${VLM_WARMUP:-1}
device=${VLM_DEVICE:-cuda}
overhead_batch=${VLM_OVERHEAD_BATCH-1}
python=${PYTHON:-python3}
work=$(mktemp -d)
log=$out/sweep.log
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1

say() { echo "== $*" | tee -a "$log"; }
bench() {  # bench TITLE ARGS...: one `vlmhyperbench bench` run, its table appended to tables.md
  local title=$1
  shift
  say "$title: vlmhyperbench bench $*"
  if "$python" -m vlmhyperbench.cli bench "$@" --device "$device" --new-tokens "$new_tokens" \
    --warmup "$warmup" --results "$work/results" --markdown "$work/table.md" 2>&1 | tee -a "$log"; then
    status=""
  else
    status=" (INCOMPLETE: the run failed, see sweep.log)"
    say "$title FAILED (see above); going on"
  fi
  if [ -f "$work/table.md" ]; then  # a failed run still writes the cases it finished
    { echo "### $title$status"; echo; cat "$work/table.md"; echo; } >>"$out/tables.md"
  fi
  rm -f "$work/table.md"
}

: >"$log"
wheelhouse=${VLM_WHEELHOUSE:-.whl}
if [ -d "$wheelhouse" ]; then
  say "installing from the wheelhouse $wheelhouse/"
  "$python" -m pip install --quiet --no-index --find-links "$wheelhouse" vlmhyperbench 2>&1 | tee -a "$log" || exit 1
fi
"$python" - <<'PY' 2>&1 | tee -a "$log"
import torch, transformers, vlmhyperbench
gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
print(f"vlmhyperbench {vlmhyperbench.__version__}, torch {torch.__version__} (CUDA {torch.version.cuda}), "
      f"transformers {transformers.__version__}, {gpu}")
PY
# the environment as results record it; a lab box is no uv cell, so doctor's verdict is informational
"$python" -m vlmhyperbench.cli doctor --json >"$work/doctor.json" 2>>"$log" || true

if [ "${VLM_TESTS:-1}" = 1 ]; then
  say "GPU tests"
  "$python" -m pytest tests/perf -m gpu -q -p no:cacheprovider 2>&1 | tee -a "$log"
fi
for preset in "${presets[@]}"; do
  bench "$preset" --model "dummy:$preset" --batch "$batch" --attn "$attn" --rounds "$rounds"
  if [ -n "$overhead_batch" ]; then
    bench "$preset overhead (${attn%%,*}, vs a bare generate loop)" --model "dummy:$preset" \
      --batch "$overhead_batch" --attn "${attn%%,*}" --rounds "$((rounds > 5 ? rounds : 5))" --overhead
  fi
done
tar -czf "$out/results.tar.gz" -C "$work" .
say "done: $out/tables.md, $out/results.tar.gz, $log"
