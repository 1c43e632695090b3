#!/usr/bin/env bash
# CPU time per decoded token of cloister-infer-run at batch 1 and batch B (default 16), one thread: user + system time
# of a long run minus a short one (the same load, open and prefills in both), so the setup cancels out. On a shared
# machine CPU time follows the code more closely than tokens/s, which follow the machine's load.
#
#   native/reference/llama-speed/cpu-per-token.sh BUILD_DIR MODEL.gguf [--batch 16] [--runs 3] [--steps 5,35]
#
# Prints, per run and as medians, ms of CPU per token at batch 1 and batch B and their ratio (the aggregate speed-up
# of B sequences over one, at equal CPU).
set -euo pipefail
BUILD="$(cd "${1:?usage: cpu-per-token.sh BUILD_DIR MODEL.gguf [--batch B] [--runs N] [--steps SHORT,LONG]}" && pwd)"
MODEL="${2:?usage: cpu-per-token.sh BUILD_DIR MODEL.gguf [--batch B] [--runs N] [--steps SHORT,LONG]}"
shift 2
BATCH=16 RUNS=3 STEPS=5,35
while [ $# -gt 0 ]; do
  case "$1" in
    --batch) BATCH="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
SHORT="${STEPS%,*}" LONG="${STEPS#*,}"
export OMP_WAIT_POLICY=PASSIVE
TIMES="$(mktemp)"
trap 'rm -f "$TIMES"' EXIT

cpu() {  # seconds of CPU (user + system) of one run: batch, steps
  /usr/bin/time -f '%U %S' -o "$TIMES" "$BUILD/cloister-infer-run" "$MODEL" --backend cpu --threads 1 --batch "$1" \
    --steps "$2" > /dev/null
  awk '{print $1 + $2}' "$TIMES"
}
per_token() {  # ms of CPU per token at batch $1
  local short long
  short="$(cpu "$1" "$SHORT")"
  long="$(cpu "$1" "$LONG")"
  awk -v s="$short" -v l="$long" -v b="$1" -v n=$((LONG - SHORT)) 'BEGIN {printf "%.2f", (l - s) * 1000 / (n * b)}'
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

ones=() many=() ratios=()
for ((r = 0; r < RUNS; r++)); do
  load="$(cut -d' ' -f1 /proc/loadavg)"
  one="$(per_token 1)"
  batch="$(per_token "$BATCH")"
  ratio="$(awk -v a="$one" -v b="$batch" 'BEGIN {printf "%.2f", a / b}')"
  echo "run $r: batch 1 ${one} ms/token, batch $BATCH ${batch} ms/token, ratio ${ratio} (load $load)"
  ones+=("$one") many+=("$batch") ratios+=("$ratio")
done
printf '%s cpu_ms_per_token batch1=%s batch%s=%s ratio=%s (medians of %s)\n' "$(basename "$MODEL")" \
  "$(printf '%s\n' "${ones[@]}" | median)" "$BATCH" "$(printf '%s\n' "${many[@]}" | median)" \
  "$(printf '%s\n' "${ratios[@]}" | median)" "$RUNS"
