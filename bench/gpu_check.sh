#!/usr/bin/env bash
# The workbench on a CUDA machine, in one headless pass of under 8 minutes that ends with one table (also written to
# .gpu-check/report.md):
#   0. wheels    the few pure-Python packages the headless core needs and this python3 lacks, installed from
#                wheels/ into .gpu-check/site (no network, nothing installed system-wide)
#   1. machine   python3, torch, CUDA or not, the GPUs; the headless core imports with Qt blocked
#                (bench/headless/sitecustomize.py) and `python -m workbench train` trains a DCGAN there
#   2. DCGAN 64x64, batch 128: the workbench's step time against a bare PyTorch loop (bench/peer_dcgan.py),
#                amp off/on x channels_last off/on; target: throughput >= 0.95 of the bare loop
#   3. data      images/s of the data pipeline (bench/data_throughput.py)
#   4. DDP       `workbench train --nproc 2` on two GPUs, where there are two
#   5. methods   every trainable method, a few steps plain / amp / fp16 / amp+channels_last, losses finite
#                (bench/cuda_methods.py)
# Without a CUDA device every CUDA part says "skipped: no CUDA device (torch.cuda.is_available() is False)" and
# quick CPU stand-ins of parts 2, 3 and 5 run instead, labelled cpu. Every part runs under `timeout`, within one
# overall budget. Exit status 0 unless a part FAILED (an error, a time-out, a missing result); a measurement below
# its target is reported, not failed.
#
#   bash bench/gpu_check.sh                               # on the CUDA machine, from the checkout
#   GPU_CHECK_PYTHON=.venv/bin/python bash bench/gpu_check.sh   # here: CUDA parts skipped, CPU stand-ins run
#   bash bench/gpu_check.sh --python /opt/conda/bin/python      # another interpreter (same as GPU_CHECK_PYTHON)
#
# The CUDA machine has no network and no Qt; its python3 has torch, torchvision, numpy, pillow, scipy, scikit-learn
# and scikit-image. Bring the rest: `bash scripts/gather_wheels.sh` here fills wheels/ (ignored by git; well under a
# MiB); carry wheels/ with the checkout.
#
# Settings (environment):
#   GPU_CHECK_PYTHON      the interpreter (default python3; --python PATH does the same)
#   GPU_CHECK_OUT         where logs, JSON, the workspace and report.md go (default .gpu-check)
#   GPU_CHECK_BUDGET_S    seconds for all parts together (default 470)
#   GPU_CHECK_INSTALL_ALL 1: install every carried wheel even where the interpreter has the package
#   GPU_CHECK_METHODS     comma-separated methods for part 5 (default: every trainable one)
#   GPU_CHECK_VARIANTS    part 5's variants (default plain,amp,fp16,amp+cl on CUDA; plain,amp on the CPU)
#   GPU_CHECK_IMAGES      JPEGs for part 3 on CUDA (default 10000); GPU_CHECK_CPU_IMAGES on the CPU (default 500)
#   GPU_CHECK_CPU_BATCH   batch of the CPU stand-in of part 2 (default 32)
#   GPU_CHECK_DDP_CPU     1: without CUDA, run part 4 with two CPU processes (Gloo) instead of skipping it
set -euo pipefail
PY=${GPU_CHECK_PYTHON:-python3}
while [ $# -gt 0 ]; do
  case $1 in
    --python) PY=$2; shift 2 ;;
    --python=*) PY=${1#*=}; shift ;;
    -h | --help) sed -n '2,/^set -euo pipefail/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bash bench/gpu_check.sh [--python PATH] (settings: see --help)" >&2; exit 2 ;;
  esac
done
if [[ $PY == */* ]]; then PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"; fi  # a path from the caller's folder
cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=${GPU_CHECK_OUT:-.gpu-check}
BUDGET=${GPU_CHECK_BUDGET_S:-470}
NO_CUDA="skipped: no CUDA device (torch.cuda.is_available() is False)"
START=$SECONDS

if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ] && [ ! -f "$OUT/.gpu-check" ]; then
  echo "gpu_check: $OUT holds files that an earlier check did not write; choose another GPU_CHECK_OUT" >&2
  exit 2
fi
rm -rf "$OUT"  # the previous check's output
mkdir -p "$OUT/logs" "$OUT/json"
: > "$OUT/.gpu-check"
OUT=$(cd "$OUT" && pwd)
ROWS="$OUT/rows.tsv"
: > "$ROWS"
export WORKBENCH_WORKSPACE="$OUT/workspace"
export PYTHONUNBUFFERED=1

# row PART DEVICE RESULT DETAIL: one line of the final table (PART starts with its number: the table's order)
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4//$'\t'/ }" >> "$ROWS"; }

# run_part NAME SECONDS COMMAND...: COMMAND under `timeout`, clamped to what is left of the budget, its output
# shown and kept in $OUT/logs/NAME.log. Sets PART_RC (124/137: timed out; 125: no time was left) and PART_S.
# `timeout` leads a process group of its own: at its limit it ends COMMAND with everything COMMAND started
# (torchrun's workers, data loader workers), and so does Ctrl-C here (see the trap below).
PART_PID="" TAIL_PID=""
run_part() {
  local name=$1 want=$2 left limit t0
  shift 2
  left=$((BUDGET - (SECONDS - START)))
  limit=$((want < left ? want : left))
  PART_LOG="$OUT/logs/$name.log"
  PART_LIMIT=$limit
  if ((limit < 5)); then
    PART_RC=125 PART_S=0
    echo "== $name: no time left in the budget of ${BUDGET}s" | tee "$PART_LOG"
    return 0
  fi
  echo "== $name (at most ${limit}s): $*"
  t0=$SECONDS
  : >"$PART_LOG"  # there before tail starts following it
  timeout -k 10 "$limit" "$@" </dev/null >>"$PART_LOG" 2>&1 &
  PART_PID=$!
  tail -n +1 -f --pid="$PART_PID" "$PART_LOG" &
  TAIL_PID=$!
  PART_RC=0
  wait "$PART_PID" || PART_RC=$?  # a trapped signal ends this wait at once (a foreground command would delay it)
  wait "$TAIL_PID" || true
  PART_PID="" TAIL_PID=""
  PART_S=$((SECONDS - t0))
  echo "-- $name: exit $PART_RC after ${PART_S}s"
}
# shellcheck disable=SC2317  # a trap handler
interrupted() {
  [ -z "$PART_PID" ] || kill -TERM -- "-$PART_PID" 2>/dev/null || true
  [ -z "$TAIL_PID" ] || kill "$TAIL_PID" 2>/dev/null || true
  echo "gpu_check: interrupted; what ran so far is in $OUT/logs" >&2
  exit 130
}
trap interrupted INT TERM

# why_failed: one line saying why the last part failed, for its row
why_failed() {
  case $PART_RC in
    124 | 137) echo "timed out after ${PART_LIMIT}s (log: $PART_LOG)" ;;
    125) echo "not run: no time left in the budget of ${BUDGET}s" ;;
    *) echo "exit $PART_RC: $(grep -v '^[[:space:]]*$' "$PART_LOG" | tail -n 1 | cut -c1-220) (log: $PART_LOG)" ;;
  esac
}

# rows_from KIND JSON PART DEVICE [--cpu]: the rows bench/gpu_check_rows.py reads from a part's JSON
rows_from() {
  local kind=$1 json=$2 part=$3 device=$4 lines label result detail
  shift 4
  lines=$("$PY" bench/gpu_check_rows.py "$kind" "$json" "$@" 2>&1) \
    || lines="-"$'\t'"FAILED"$'\t'"could not read $json: $(tail -n 1 <<<"$lines")"
  while IFS=$'\t' read -r label result detail; do
    [ -n "$result" ] || continue
    if [ "$label" != - ]; then row "$part: $label" "$device" "$result" "$detail"; else row "$part" "$device" "$result" "$detail"; fi
  done <<<"$lines"
}

# ---- 0. wheels ------------------------------------------------------------------------------------------------------
# module=distribution: what the headless core imports beyond torch, torchvision, numpy and pillow (scripts/gather_wheels.sh)
CARRIED=(tomli_w=tomli_w platformdirs=platformdirs tqdm=tqdm safetensors=safetensors)
NOT_CARRIED=(sklearn=scikit-learn scipy=scipy skimage=scikit-image numpy=numpy PIL=pillow torchvision=torchvision)
SITE="$OUT/site"
if ! "$PY" -c 'import sys' 2>/dev/null; then
  echo "gpu_check: no Python interpreter $PY (set GPU_CHECK_PYTHON or pass --python PATH)" >&2
  exit 2
fi
wanted=()
for pair in "${CARRIED[@]}"; do
  if [ "${GPU_CHECK_INSTALL_ALL:-0}" = 1 ] || ! "$PY" -c "import ${pair%%=*}" 2>/dev/null; then wanted+=("${pair#*=}"); fi
done
absent=()
for pair in "${NOT_CARRIED[@]}"; do  # installed at all (whether it loads is part 1's business)
  "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('${pair%%=*}') is None)" 2>/dev/null \
    || absent+=("${pair#*=}")
done
if [ ${#wanted[@]} -eq 0 ]; then
  row "0 wheels" "-" "ok" "nothing to install: $PY has ${CARRIED[*]%%=*}"
elif [ ! -d wheels ]; then
  row "0 wheels" "-" "FAILED" "$PY lacks ${wanted[*]} and there is no wheels/ (bash scripts/gather_wheels.sh, then carry wheels/)"
else
  mkdir -p "$SITE"
  if "$PY" -m pip --version >/dev/null 2>&1; then
    run_part wheels 120 "$PY" -m pip install --no-index --no-deps --disable-pip-version-check --quiet \
      --find-links wheels --target "$SITE" "${wanted[@]}"
  else  # no pip in this interpreter: a wheel is a zip file; these unpack as they are
    run_part wheels 60 "$PY" -c 'import sys, zipfile, glob
for name in sys.argv[2:]:
    found = sorted(glob.glob(f"wheels/{name}-*.whl"))
    if not found:
        sys.exit(f"no wheel of {name} in wheels/")
    zipfile.ZipFile(found[-1]).extractall(sys.argv[1])' "$SITE" "${wanted[@]}"
  fi
  installed=$(PYTHONPATH="$SITE" "$PY" - "${wanted[@]}" <<'EOF' 2>&1
import sys
from importlib import metadata
print(", ".join(f"{name} {metadata.version(name)}" for name in sys.argv[1:]))
EOF
  ) || installed="FAILED: $installed"
  if [ "$PART_RC" -eq 0 ] && [[ $installed != FAILED* ]]; then
    row "0 wheels" "-" "ok" "installed into $SITE: $installed"
  else
    row "0 wheels" "-" "FAILED" "installing ${wanted[*]} from wheels/: $(why_failed) $installed"
  fi
fi
[ ${#absent[@]} -eq 0 ] || row "0 wheels" "-" "missing" "$PY lacks ${absent[*]} (not carried: the parts that need them fail)"
export PYTHONPATH="$SITE:$REPO${PYTHONPATH:+:$PYTHONPATH}"

# ---- 1. the machine ---------------------------------------------------------------------------------------------------
CUDA=no GPUS=0
run_part machine 120 "$PY" bench/gpu_check_rows.py machine
if [ "$PART_RC" -eq 0 ]; then
  declare -A M=()
  while IFS='=' read -r key value; do [ -n "$key" ] && M[$key]=$value; done < "$PART_LOG"
  CUDA=${M[cuda]:-no} GPUS=${M[gpus]:-0}
  row "1 python" "-" "ok" "${M[python]:-?}"
  row "1 torch" "-" "ok" "torch ${M[torch]:-?}; torchvision ${M[torchvision]:-?}"
  if [ "$CUDA" = yes ]; then
    row "1 CUDA" "cuda" "ok" "$GPUS device(s): ${M[gpu_names]:-?}; compute capability ${M[capability]:-?}"
  else
    row "1 CUDA" "-" "skipped" "$NO_CUDA"
  fi
else
  row "1 machine" "-" "FAILED" "$(why_failed)"
fi
if [ "$CUDA" = yes ]; then DEV=cuda; else DEV=cpu; fi

HEADLESS="$REPO/bench/headless:$PYTHONPATH"
run_part headless 120 env PYTHONPATH="$HEADLESS" "$PY" -c '
import sys
import workbench.cli, workbench.training, workbench.training.session, workbench.training.loop
workbench.cli.build_parser()
qt = sorted(m for m in sys.modules if m.partition(".")[0] in ("PySide6", "pyqtgraph", "pyvistaqt", "superqt")
            or m.startswith("workbench.gui"))
print("Qt modules loaded:", qt or "none")
sys.exit(1 if qt else 0)'
if [ "$PART_RC" -eq 0 ]; then
  row "1 headless core imports" "-" "ok" "workbench.cli, .training, .training.session, .training.loop with Qt, pyqtgraph, pyvista blocked"
else
  row "1 headless core imports" "-" "FAILED" "$(why_failed)"
fi

if [ "$DEV" = cuda ]; then CLI_SIZE=(--image-size 64 --batch-size 128 --steps 30); else
  CLI_SIZE=(--image-size 8 --batch-size 8 --steps 2 --set method.g_channels=8 --set method.d_channels=8); fi
run_part cli-train 150 env PYTHONPATH="$HEADLESS" "$PY" -m workbench train --method dcgan --device "$DEV" \
  --name cli-check "${CLI_SIZE[@]}" --set train.sample_count=16
if [ "$PART_RC" -eq 0 ] && grep -q "run cli-check: finished" "$PART_LOG"; then
  row "1 workbench train (Qt blocked)" "$DEV" "ok" "dcgan ${CLI_SIZE[*]:0:6}: $(grep -o 'finished at step [0-9/]*' "$PART_LOG" | tail -n 1) in ${PART_S}s"
else
  row "1 workbench train (Qt blocked)" "$DEV" "FAILED" "$(why_failed)"
fi

# ---- 5. every method (before the timings: that it trains at all matters most) -----------------------------------
if [ "$CUDA" = yes ]; then METHOD_RUNS=(cuda); else row "5 methods, tiny runs" "cuda" "skipped" "$NO_CUDA"; METHOD_RUNS=(cpu); fi
for device in "${METHOD_RUNS[@]}"; do
  json="$OUT/json/methods-$device.json"
  args=(--device "$device" --json "$json")
  [ "$device" = cuda ] || args+=(--threads 1)  # tiny networks: a second CPU thread only adds contention
  [ -z "${GPU_CHECK_METHODS:-}" ] || args+=(--methods "$GPU_CHECK_METHODS")
  [ -z "${GPU_CHECK_VARIANTS:-}" ] || args+=(--variants "$GPU_CHECK_VARIANTS")
  run_part "methods-$device" 180 "$PY" bench/cuda_methods.py "${args[@]}"
  if [ -f "$json" ]; then rows_from methods "$json" "5 methods, tiny runs" "$device"; else
    row "5 methods, tiny runs" "$device" "FAILED" "$(why_failed)"; fi
done

# ---- 4. data-parallel training on two GPUs ---------------------------------------------------------------------------
DDP_DEVICE=""
if [ "$CUDA" = yes ] && [ "$GPUS" -ge 2 ]; then DDP_DEVICE=cuda
elif [ "$CUDA" = yes ]; then row "4 DDP, 2 processes" "cuda" "skipped" "skipped: 1 device"
else
  row "4 DDP, 2 processes" "cuda" "skipped" "$NO_CUDA"
  [ "${GPU_CHECK_DDP_CPU:-0}" != 1 ] || DDP_DEVICE=cpu
fi
if [ -n "$DDP_DEVICE" ]; then
  if [ "$DDP_DEVICE" = cuda ]; then DDP_SIZE=(--image-size 64 --batch-size 128 --steps 40); else
    DDP_SIZE=(--image-size 8 --batch-size 8 --steps 4 --set method.g_channels=8 --set method.d_channels=8); fi
  run_part ddp 150 "$PY" -m workbench train --nproc 2 --method dcgan --set "train.device=$DDP_DEVICE" \
    --name ddp-check "${DDP_SIZE[@]}" --set train.sample_count=16
  if [ "$PART_RC" -eq 0 ] && grep -q "run ddp-check: finished" "$PART_LOG"; then
    row "4 DDP, 2 processes" "$DDP_DEVICE" "ok" "dcgan ${DDP_SIZE[*]:0:6}: $(grep -o 'finished at step [0-9/]*' "$PART_LOG" | tail -n 1) in ${PART_S}s"
  else
    row "4 DDP, 2 processes" "$DDP_DEVICE" "FAILED" "$(why_failed)"
  fi
fi

# ---- 2. DCGAN step time against a bare PyTorch loop ----------------------------------------------------------------
peer() {  # peer LABEL DEVICE ARGS...: one bench/peer_dcgan.py run and its row
  local label=$1 device=$2 name
  shift 2
  name="peer-$device-$(tr -cs 'A-Za-z0-9' '-' <<<"$label" | sed 's/-*$//')"
  if [ ! -f bench/peer_dcgan.py ]; then row "2 DCGAN 64x64 $label" "$device" "FAILED" "bench/peer_dcgan.py is missing"; return; fi
  run_part "$name" "$PEER_LIMIT" "$PY" bench/peer_dcgan.py --device "$device" "$@" --json "$OUT/json/$name.json"
  if [ "$PART_RC" -eq 0 ]; then rows_from peer "$OUT/json/$name.json" "2 DCGAN 64x64 $label" "$device" ${PEER_CPU:+--cpu}; else
    row "2 DCGAN 64x64 $label" "$device" "FAILED" "$(why_failed)"; fi
}
if [ "$CUDA" = yes ]; then
  PEER_LIMIT=90 PEER_CPU=""
  peer "b128 amp off, cl off" cuda --batch 128 --rounds 5 --steps 30
  peer "b128 amp off, cl on" cuda --batch 128 --rounds 5 --steps 30 --channels-last
  peer "b128 amp on, cl off" cuda --batch 128 --rounds 5 --steps 30 --amp
  peer "b128 amp on, cl on" cuda --batch 128 --rounds 5 --steps 30 --amp --channels-last
else
  row "2 DCGAN 64x64 b128, amp x channels_last" "cuda" "skipped" "$NO_CUDA"
  PEER_LIMIT=120 PEER_CPU=1 CPU_BATCH=${GPU_CHECK_CPU_BATCH:-32}
  peer "b$CPU_BATCH, 1 round (CPU stand-in)" cpu --batch "$CPU_BATCH" --rounds 1 --steps 3 --warmup 1 --threads 1
fi

# ---- 3. the data pipeline ------------------------------------------------------------------------------------------
data() {  # data DEVICE ARGS...
  local device=$1 json="$OUT/json/data-$1.json"
  shift
  if [ ! -f bench/data_throughput.py ]; then row "3 data pipeline" "$device" "FAILED" "bench/data_throughput.py is missing"; return; fi
  run_part "data-$device" 150 "$PY" bench/data_throughput.py --size 128 --device "$device" "$@" --json "$json"
  if [ "$PART_RC" -eq 0 ]; then rows_from data "$json" "3 data pipeline, 128px" "$device" ${DATA_CPU:+--cpu}; else
    row "3 data pipeline, 128px" "$device" "FAILED" "$(why_failed)"; fi
}
if [ "$CUDA" = yes ]; then
  DATA_CPU=""
  data cuda --images "${GPU_CHECK_IMAGES:-10000}" --workers -1 --rounds 3 --batches 50 --folder "$OUT/jpegs"
else
  row "3 data pipeline, 128px" "cuda" "skipped" "$NO_CUDA"
  DATA_CPU=1
  data cpu --images "${GPU_CHECK_CPU_IMAGES:-500}" --workers 1 --rounds 1 --batches 5 --batch 32 --folder "$OUT/jpegs"
fi

# ---- the table --------------------------------------------------------------------------------------------------------
TABLE="$OUT/table.md"
{
  printf 'part\tdevice\tresult\tdetail\n'
  sort -s -t$'\t' -k1,1n "$ROWS"
} | awk -F'\t' '
  { for (i = 1; i <= 4; i++) { cell[NR, i] = $i; if (length($i) > w[i] && i < 4) w[i] = length($i) } }
  END {
    for (r = 1; r <= NR; r++) {
      printf("| %-" w[1] "s | %-" w[2] "s | %-" w[3] "s | %s |\n", cell[r, 1], cell[r, 2], cell[r, 3], cell[r, 4])
      if (r == 1) printf "|%s|%s|%s|---|\n", dashes(w[1] + 2), dashes(w[2] + 2), dashes(w[3] + 2)
    }
  }
  function dashes(n,   s) { s = ""; while (n-- > 0) s = s "-"; return s }' > "$TABLE"
{
  echo "# Generative Workbench on ${HOSTNAME:-$(uname -n)}: $(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - START)) s"
  echo
  cat "$TABLE"
  for json in "$OUT"/json/methods-*.json; do
    [ -f "$json" ] || continue
    echo
    sed -n '/^| method/,$p' "$OUT/logs/$(basename "$json" .json).log" 2>/dev/null || true
  done
} > "$OUT/report.md"
echo
echo "== gpu_check: $((SECONDS - START)) s; this table and the methods' own are in $OUT/report.md"
cat "$TABLE"
if cut -f3 "$ROWS" | grep -qx FAILED; then exit 1; fi
exit 0
