#!/usr/bin/env bash
# Side-by-side speed of the engine (cloister-infer-run) and llama.cpp (llama_speed.c against node-llama-cpp 3.21.1's
# prebuilt CPU libraries) on the same GGUF files, the same thread counts, OMP_WAIT_POLICY=PASSIVE for both; the two
# alternate, RUNS times each, and the median is printed with the load average before each measurement.
#
#   native/reference/llama-speed/speed.sh BUILD_DIR [--threads "1 2"] [--runs 3] [--mode decode|prefill|batch16]
#        [--steps 100] [--prefill 256] [--also VAR=VALUE] MODEL.gguf...
#
# decode: batch-1 greedy decode of --steps tokens after BOS; prefill: one prompt of --prefill tokens (BOS + a fixed
# pattern); batch16: 16 sequences, --steps tokens each, aggregate tokens/s. --also VAR=VALUE runs the engine a second
# time in each round with that environment (e.g. CLOISTER_CPU_KERNEL=avx2: the AVX2 kernels on an AVX-512 CPU) and
# prints its median too (cloister_also_tok_s). Needs npm, git and a C compiler.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$(cd "${1:?usage: speed.sh BUILD_DIR [options] MODEL...}" && pwd)"
shift
THREADS="1 2" RUNS=3 MODE=decode STEPS=100 PREFILL=256 ALSO=""
MODELS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --mode) MODE="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --prefill) PREFILL="$2"; shift 2 ;;
    --also) ALSO="$2"; shift 2
      [[ $ALSO == [A-Za-z_]*=* ]] || { echo "--also takes VAR=VALUE, got '$ALSO'" >&2; exit 2; } ;;
    *) MODELS+=("$1"); shift ;;
  esac
done
REF="$HERE/.."
[ -d "$REF/node_modules/node-llama-cpp" ] || (cd "$REF" && npm ci --ignore-scripts --no-audit --no-fund)
BINS="$REF/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloister-llama-speed.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
git clone -q "$REF/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$WORK/llama.cpp" 2>/dev/null
LIBLLAMA="$(cd "$BINS" && ls libllama.*so | head -1)"
LIBGGML="$(cd "$BINS" && ls libggml.*so | head -1)"
cc -O2 -Wall -o "$WORK/llama_speed" "$HERE/llama_speed.c" -I"$WORK/llama.cpp/include" -I"$WORK/llama.cpp/ggml/include" \
  -L"$BINS" -l:"$LIBLLAMA" -l:libggml-base.so -l:"$LIBGGML" -Wl,-rpath,"$BINS" -lm
export OMP_WAIT_POLICY=PASSIVE LLAMA_BINS="$BINS"

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
load() { cut -d' ' -f1 /proc/loadavg; }

# tokens/s of one cloister-infer-run in the current mode: threads, then env assignments (may be none)
cloister() {
  local t="$1"
  shift
  case "$MODE" in
    decode) env "$@" "$BUILD/cloister-infer-run" "$model" --backend cpu --threads "$t" --steps "$STEPS" | grep -o 'decode_tok_s=[0-9.]*' | cut -d= -f2 ;;
    prefill) env "$@" "$BUILD/cloister-infer-run" "$model" --backend cpu --threads "$t" --steps 1 --prefill $((PREFILL - 1)) | grep -o 'prefill_tok_s=[0-9.]*' | cut -d= -f2 ;;
    batch16) env "$@" "$BUILD/cloister-infer-run" "$model" --backend cpu --threads "$t" --batch 16 --steps "$STEPS" | grep -o 'decode_tok_s=[0-9.]*' | cut -d= -f2 ;;
  esac
}

for model in "${MODELS[@]}"; do
  for t in $THREADS; do
    ours=() theirs=() also=() loads=()
    for ((r = 0; r < RUNS; r++)); do
      loads+=("$(load)")
      case "$MODE" in
        decode) theirs+=("$("$WORK/llama_speed" "$model" "$t" decode "$STEPS" | sed 's/tok_s=//')") ;;
        prefill) theirs+=("$("$WORK/llama_speed" "$model" "$t" prefill "$PREFILL" | sed 's/tok_s=//')") ;;
        batch16) theirs+=("$("$WORK/llama_speed" "$model" "$t" batch 16 "$STEPS" | sed 's/tok_s=//')") ;;
        *) echo "unknown --mode $MODE" >&2; exit 2 ;;
      esac
      ours+=("$(cloister "$t")")
      if [ -n "$ALSO" ]; then also+=("$(cloister "$t" "$ALSO")"); fi
    done
    extra="" extra_runs=""
    if [ -n "$ALSO" ]; then
      extra=" cloister_also_tok_s=$(printf '%s\n' "${also[@]}" | median)"
      extra_runs="; cloister $ALSO ${also[*]}"
    fi
    printf '%s mode=%s threads=%s llama_cpp_tok_s=%s cloister_tok_s=%s%s (runs: llama.cpp %s; cloister %s%s; load %s)\n' \
      "$(basename "$model")" "$MODE" "$t" "$(printf '%s\n' "${theirs[@]}" | median)" "$(printf '%s\n' "${ours[@]}" | median)" \
      "$extra" "${theirs[*]}" "${ours[*]}" "$extra_runs" "${loads[*]}"
  done
done
