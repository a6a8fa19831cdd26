#!/usr/bin/env bash
# The real-size speed sweep on a GPU machine with torch preinstalled and no network (a lab box, a lent
# H100): install from the wheelhouse, measure the copy bandwidth, run the GPU tests, then
# `vlmhyperbench bench` stage by stage, and write the closing table with roofline fractions.
#
#   bash benchmarks/gpu/sweep.sh                  # the issue-15 GPU run, ~10 minutes on an H100
#   bash benchmarks/gpu/sweep.sh PRESET ...       # only these presets, with VLM_BATCH / VLM_ATTN / VLM_RUNNER
#
# The default run, in order (each stage capped, the whole run held to VLM_BUDGET_S seconds; a stage
# cut short keeps the cases it finished, and a stage that no longer fits is logged as skipped):
#   qwen2-vl-2b  sdpa x compiled, static, generate x batch 1, 8, 32 (one bench run per runner)
#   out of memory: smolvlm-256m eager, batch 1 and 256, with the process capped at VLM_OOM_GIB GiB
#   smolvlm-256m sdpa x every runner x batch 1, 8, 32
#   qwen2-vl-2b  sdpa, compiled, batch 1 with --overhead (the bare loop of the same runner)
#   qwen2-vl-2b  eager x compiled, generate x batch 1, 8, 32
#   qwen2.5-vl-3b, then llava-1.5-7b: sdpa x compiled, generate x batch 1, 8, as long as time is left
# VLM_SCALE=tiny swaps every preset for its tiny-* shrink: the CPU dry run of the same plan
# (tests/perf/test_gpu_sweep.py).
#
# Environment: OUT (folder for the results; default gpu-results), VLM_BATCH (1,8,32), VLM_ATTN
# (sdpa,eager), VLM_RUNNER (compiled,static,generate), VLM_NEW_TOKENS (128), VLM_ROUNDS (2), VLM_WARMUP (1),
# VLM_DEVICE (cuda), VLM_BUDGET_S (510: the run ends within one 600 s device call; with ~3 minutes of
# machine start, about 13 of a 15-minute lease),
# VLM_CAP_FACTOR (1; multiplies every stage's cap, for slow CPU dry runs), VLM_OOM_GIB (3), VLM_OVERHEAD_BATCH (1; empty skips the
# bare-loop comparison), VLM_TESTS (1; 0 skips the GPU tests), VLM_WHEELHOUSE (.whl, made by
# wheelhouse.sh; installed when present), PYTHON (python3).
# OUT receives: tables.md (one table per run), closing.md (every case with roofline fractions and the
# issue's H100 figures), results.tar.gz (pytest-benchmark JSON, doctor.json, bandwidth.json) and sweep.log.
# A stage that fails is logged and the sweep goes on.
set -uo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
out=${OUT:-gpu-results}
mkdir -p "$out"
out=$(cd "$out" && pwd)
presets=("$@")
batch=${VLM_BATCH:-1,8,32}
attn=${VLM_ATTN:-sdpa,eager}
runners=${VLM_RUNNER:-compiled,static,generate}
new_tokens=${VLM_NEW_TOKENS:-128}
rounds=${VLM_ROUNDS:-2}
warmup=${VLM_WARMUP:-1}
device=${VLM_DEVICE:-cuda}
budget=${VLM_BUDGET_S:-510}
oom_gib=${VLM_OOM_GIB:-3}
cap_factor=${VLM_CAP_FACTOR:-1}
overhead_batch=${VLM_OVERHEAD_BATCH-1}
scale=${VLM_SCALE:-full}
python=${PYTHON:-python3}
work=$(mktemp -d)
log=$out/sweep.log
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1

say() { echo "== $*" | tee -a "$log"; }
preset() {  # the preset to run: its tiny shrink under VLM_SCALE=tiny
  if [ "$scale" != tiny ]; then echo "$1"; return; fi
  case $1 in
    qwen2-vl-2b) echo tiny-qwen2-vl ;; qwen2.5-vl-3b) echo tiny-qwen2.5-vl ;;
    smolvlm-256m) echo tiny-smolvlm ;; llava-1.5-7b) echo tiny-llava ;; *) echo "$1" ;;
  esac
}
left() { echo $((budget - (SECONDS - started))); }
bench() {  # bench CAP_S TITLE ARGS...: one `vlmhyperbench bench` run within CAP_S seconds (and the budget)
  local cap=$((${1} * cap_factor)) title=$2
  shift 2
  local remaining
  remaining=$(left)
  [ "$cap" -lt "$remaining" ] || cap=$remaining
  if [ "$cap" -lt 20 ]; then
    say "$title: SKIPPED (the ${budget}s budget is spent)"
    return
  fi
  say "$title (at most ${cap}s): vlmhyperbench bench $*"
  # SIGINT at the cap: bench keeps and saves the cases it finished
  if timeout -s INT -k 30 "$cap" "$python" -c "$launcher" bench "$@" --device "$device" \
    --new-tokens "$new_tokens" --results "$work/results" --markdown "$work/table.md" 2>&1 | tee -a "$log"; then
    status=""
  else
    status=" (INCOMPLETE: cut at ${cap}s or failed, see sweep.log)"
    say "$title INCOMPLETE (see above); going on"
  fi
  if [ -f "$work/table.md" ]; then  # a failed run still writes the cases it finished
    { echo "### $title$status"; echo; cat "$work/table.md"; echo; } >>"$out/tables.md"
  fi
  rm -f "$work/table.md"
}
# `vlmhyperbench` with an optional cap on this process's GPU memory (VLM_CAP_GIB): the real
# out-of-memory path of a small GPU, on a big one
launcher='
import os, sys
cap = float(os.environ.get("VLM_CAP_GIB") or 0)
if cap:
    import torch
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(min(cap * 2**30 / total, 1.0))
    print(f"GPU memory capped at {cap:g} GiB of {total / 2**30:.0f} GiB")
from vlmhyperbench.cli import main
sys.argv[0] = "vlmhyperbench"
main()
'

: >"$log"
: >"$out/tables.md"
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
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee -a "$log"
# the environment as results record it; a lab box is no uv cell, so doctor's verdict is informational
"$python" -m vlmhyperbench.cli doctor --json >"$work/doctor.json" 2>>"$log" || true
say "copy bandwidth on $device"
"$python" benchmarks/gpu/gpu_table.py bandwidth --device "$device" >"$work/bandwidth.json" 2>>"$log"
cat "$work/bandwidth.json" | tee -a "$log"

if [ "${VLM_TESTS:-1}" = 1 ]; then
  say "GPU tests"
  timeout -s INT 45 "$python" -m pytest tests -m gpu -q -p no:cacheprovider 2>&1 | tee -a "$log"
fi

if [ ${#presets[@]} -gt 0 ]; then  # the presets asked for, with the VLM_* settings
  for name in "${presets[@]}"; do
    bench "$(left)" "$name" --model "dummy:$(preset "$name")" --batch "$batch" --attn "$attn" \
      --runner "$runners" --rounds "$rounds" --warmup "$warmup"
  done
else  # the issue-15 plan: one run per runner, so a runner that breaks costs only its own cases
  qwen=$(preset qwen2-vl-2b)
  smol=$(preset smolvlm-256m)
  first=${runners%%,*}
  for runner in ${runners//,/ }; do  # compiled gets the most time: it is the one near the roofline
    bench "$([ "$runner" = compiled ] && echo 120 || echo 60)" "qwen2-vl-2b sdpa $runner" \
      --model "dummy:$qwen" --batch "$batch" --attn sdpa --runner "$runner" --rounds "$rounds" --warmup "$warmup"
  done
  if [ "$device" = cpu ]; then
    say "out of memory: SKIPPED (a memory cap needs CUDA)"
  else
    VLM_CAP_GIB=$oom_gib bench 40 "out of memory: smolvlm-256m eager, GPU memory capped at ${oom_gib} GiB" \
      --model "dummy:$smol" --batch 1,256 --attn eager --runner generate --rounds 1 --warmup 0
  fi
  bench 45 "smolvlm-256m sdpa" --model "dummy:$smol" --batch "$batch" --attn sdpa --runner "$runners" \
    --rounds "$rounds" --warmup "$warmup"
  if [ -n "$overhead_batch" ]; then
    bench 45 "qwen2-vl-2b overhead (sdpa, $first, vs a bare loop of the same runner)" \
      --model "dummy:$qwen" --batch "$overhead_batch" --attn sdpa --runner "$first" \
      --rounds "$((rounds > 5 ? rounds : 5))" --warmup "$warmup" --overhead
  fi
  for runner in ${runners//,/ }; do
    [ "$runner" = static ] && continue  # static vs generate is told by the sdpa runs; eager adds little
    bench "$([ "$runner" = compiled ] && echo 80 || echo 50)" "qwen2-vl-2b eager $runner" \
      --model "dummy:$qwen" --batch "$batch" --attn eager --runner "$runner" --rounds "$rounds" --warmup "$warmup"
  done
  big_runners=$first
  [ "$first" = generate ] || big_runners="$first,generate"
  for big in qwen2.5-vl-3b llava-1.5-7b; do  # as long as the budget lasts
    bench 120 "$big sdpa" --model "dummy:$(preset "$big")" --batch "${batch%,*}" --attn sdpa \
      --runner "$big_runners" --rounds "$rounds" --warmup "$warmup"
  done
fi

bandwidth=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["bytes_per_s"])' "$work/bandwidth.json")
if [ -d "$work/results" ] && "$python" benchmarks/gpu/gpu_table.py table --bandwidth "$bandwidth" \
  "$work/results" >"$out/closing.md" 2>>"$log"; then
  cat "$out/closing.md" | tee -a "$log"
else
  say "closing table FAILED (see above)"
fi
tar -czf "$out/results.tar.gz" -C "$work" .
say "done in $((SECONDS - started))s: $out/closing.md, $out/tables.md, $out/results.tar.gz, $log"
