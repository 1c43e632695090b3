#!/usr/bin/env bash
# The GPU device check for the native inference core (issue 7). On a machine with an NVIDIA GPU (sm_90: H100/H200):
#   1. builds native/ for sm_90 (+ compute_90 PTX) with the CUDA backend,
#   2. runs the native tests (kernels, KV cache, engine, GGUF, mutated files, CUDA vs CPU on stories260K),
#   3. compares CUDA with CPU logits on stories15M (fp32 within 1e-3, bf16 within 2e-2, relative to the row's max),
#   4. benchmarks stories15M decode at batch 1, 8, 64, 256 and prefill, fp32 and bf16,
#   5. benchmarks a ~1.1B-parameter random-weight Llama (TinyLlama shape) in bf16 at batch 1 and 64 against the
#      measured device-to-device copy bandwidth (roofline: weight bytes per token / bandwidth),
#   6. the same for random GGUFs of the Llama 3.2 1B shape in Q8_0, Q4_K_M and BF16 (weights decoded in the kernels),
# and prints one table last. Full logs go under $OUT (default /tmp/cloister-gpu-check-out).
#
#   native/gpu-check.sh [--cpu-only] [--models DIR] [--quick] [--prebuilt DIR]
#
# --cpu-only: a dry run for machines without a GPU: builds (with CUDA when nvcc is there), runs the tests and every
#             benchmark row on the CPU backend with small step counts and a small "large" model.
# --prebuilt DIR: skip the build and use the executables in DIR (built elsewhere with -DCLOISTER_STATIC_RUNTIME=ON,
#             which needs only glibc >= 2.36 and the NVIDIA driver: for a device without cmake, g++ or nvcc).
# --models DIR: where stories260K.bin and stories15M.bin are (default: $CLOISTER_MODELS, testdata/models, models,
#             /tmp/models). Without stories15M.bin, a random-weight model of its shape stands in for the benchmarks
#             (same speed) and the stories15M logit comparison uses it too.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-/tmp/cloister-gpu-check-out}"
mkdir -p "$OUT"
CPU_ONLY=0
QUICK=0
MODELS=""
PREBUILT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-only) CPU_ONLY=1 ;;
    --quick) QUICK=1 ;;
    --models) MODELS="$2"; shift ;;
    --prebuilt) PREBUILT="$(cd "$2" && pwd)"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[gpu-check $(date -u +%H:%M:%S)] $*" | tee -a "$OUT/gpu-check.log" >&2; }
ROWS=()
row() { ROWS+=("$(printf '%-44s | %-26s | %-16s | %s' "$1" "$2" "$3" "$4")"); }

find_model() {
  for d in "$MODELS" "${CLOISTER_MODELS:-}" "$HERE/../testdata/models" "$HERE/../models" "$PWD/models" /tmp/models; do
    if [ -n "$d" ] && [ -f "$d/$1" ]; then echo "$d/$1"; return 0; fi
  done
  return 1
}

if [ -z "$PREBUILT" ]; then
  for tool in cmake g++; do
    command -v "$tool" > /dev/null || { echo "gpu-check: $tool is missing (or use --prebuilt DIR)" >&2; exit 1; }
  done
fi
NVCC="$(command -v nvcc || true)"
[ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC=/usr/local/cuda/bin/nvcc
if [ "$CPU_ONLY" = 0 ]; then
  [ -n "$NVCC" ] || [ -n "$PREBUILT" ] || { echo "gpu-check: nvcc not found (use --prebuilt DIR, or --cpu-only for a dry run)" >&2; exit 1; }
  if command -v nvidia-smi > /dev/null; then nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1; else echo "no nvidia-smi" > "$OUT/nvidia-smi.txt"; fi
fi
BACKEND=cuda
[ "$CPU_ONLY" = 1 ] && BACKEND=cpu
JOBS="$(nproc 2>/dev/null || echo 2)"
export OMP_WAIT_POLICY=PASSIVE

# 1. Build (or take the prebuilt executables).
MODEL260="$(find_model stories260K.bin || true)"
if [ -n "$PREBUILT" ]; then
  BUILD="$PREBUILT"
  WORK="$(mktemp -d /tmp/cloister-gpu-check.XXXXXX)"
  row "build" "prebuilt $BUILD" "ok" ""
else
  BUILD="${CLOISTER_GPU_BUILD:-/tmp/cloister-gpu-check-build}"
  WORK="$BUILD"
  log "building native/ in $BUILD (nvcc: ${NVCC:-none})"
  CUDA_ARGS=()
  [ -n "$NVCC" ] && CUDA_ARGS=(-DCMAKE_CUDA_COMPILER="$NVCC" "-DCMAKE_CUDA_ARCHITECTURES=90-real;90-virtual")
  if ! cmake -S "$HERE" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "${CUDA_ARGS[@]}" > "$OUT/cmake-configure.log" 2>&1 \
     || ! cmake --build "$BUILD" --parallel "$JOBS" > "$OUT/cmake-build.log" 2>&1; then
    log "build FAILED (see $OUT/cmake-*.log)"; tail -30 "$OUT"/cmake-*.log; exit 1
  fi
  row "build" "$(grep -o 'CUDA backend [A-Z]*' "$OUT/cmake-configure.log" | head -1)" "ok" ""
fi
RUN="$BUILD/cloister-infer-run"

# 2. The native test suite (run directly, so that no ctest is needed): exit 0 passes, 77 is a skip.
log "native tests"
PASSED=0; SKIPPED=0; FAILED=""
MODELDIR="$(dirname "${MODEL260:-/nonexistent/x}")"
MAKER="$BUILD/make-random-gguf"
for t in kernels quant kv_cache engine engine_portable gguf model_mutations architectures llama_cpp_fixtures cuda; do
  exe="$BUILD/test_${t%_portable}"
  [ -x "$exe" ] || continue
  mkdir -p "$WORK/test-$t"
  case "$t" in
    engine_portable) CLOISTER_CPU_KERNEL=portable "$exe" "$MODELDIR" "$BUILD/llama2c-to-gguf" "$WORK/test-$t" > "$OUT/test-$t.log" 2>&1 ;;
    architectures) "$exe" "$MAKER" "$WORK/test-$t" > "$OUT/test-$t.log" 2>&1 ;;
    llama_cpp_fixtures) "$exe" "$HERE/reference/fixtures" "$MAKER" "$WORK/test-$t" > "$OUT/test-$t.log" 2>&1 ;;
    cuda) "$exe" "$MODELDIR" "$MAKER" "$WORK/test-$t" > "$OUT/test-$t.log" 2>&1 ;;
    *) "$exe" "$MODELDIR" "$BUILD/llama2c-to-gguf" "$WORK/test-$t" "$MAKER" > "$OUT/test-$t.log" 2>&1 ;;
  esac
  rc=$?
  case $rc in
    0) PASSED=$((PASSED + 1)) ;;
    77) SKIPPED=$((SKIPPED + 1))
        [ "$t" = cuda ] && [ "$CPU_ONLY" = 0 ] && FAILED="$FAILED cuda(skipped:no-usable-GPU)" ;;
    *) FAILED="$FAILED $t" ;;
  esac
  cat "$OUT/test-$t.log" >> "$OUT/gpu-check.log"
done
row "native tests (kernels ... cuda)" "$PASSED passed, $SKIPPED skipped" "$([ -z "$FAILED" ] && echo pass || echo "FAIL:$FAILED")" "all pass"
grep -hE 'max relative logit difference|skipped' "$OUT"/test-*.log | sed 's/^/  /' >> "$OUT/gpu-check.log"
[ -f "$OUT/test-cuda.log" ] && grep -E 'batch .*max relative' "$OUT/test-cuda.log" | while read -r line; do echo "  $line"; done
# CUDA vs CPU per architecture and tensor type (test_cuda): the worst difference of each type.
if [ -f "$OUT/test-cuda.log" ] && grep -q 'CUDA vs CPU' "$OUT/test-cuda.log"; then
  for ty in f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k q4_k_m; do
    d="$(grep -E "^[a-z0-9]+ $ty batch" "$OUT/test-cuda.log" | grep -o 'CPU [0-9.e+-]*' | cut -d' ' -f2 | sort -g | tail -1)"
    [ -n "$d" ] && row "CUDA vs CPU, random llama3/qwen2/qwen3 $ty" "max rel diff $d" "" "see test_cuda"
  done
fi

# Models: stories15M, or random weights of its shape.
M15="$(find_model stories15M.bin || true)"
M15_NOTE="stories15M"
if [ -z "$M15" ]; then
  M15="$WORK/random-stories15M.bin"
  "$BUILD/make-random-llama" "$M15" 288 768 6 6 6 32000 256 7
  M15_NOTE="stories15M shape, random"
fi
BIG="$WORK/random-1b.bin"
if [ "$CPU_ONLY" = 1 ] || [ "$QUICK" = 1 ]; then
  BIG_SHAPE=(512 1408 4 8 2 32000 512); BIG_NOTE="small stand-in (--quick/--cpu-only)"
else
  BIG_SHAPE=(2048 5632 22 32 4 32000 1024); BIG_NOTE="1.1B TinyLlama shape, random bf16"
fi
log "writing random model ${BIG_SHAPE[*]}"
"$BUILD/make-random-llama" "$BIG" "${BIG_SHAPE[@]}" 11 || { log "cannot write $BIG"; exit 1; }
# Parameters (weights read per token: every matrix once, the embedding row is negligible).
PARAMS=$(python3 -c "d,h,l,H,kv,v,s=${BIG_SHAPE[0]},${BIG_SHAPE[1]},${BIG_SHAPE[2]},${BIG_SHAPE[3]},${BIG_SHAPE[4]},${BIG_SHAPE[5]},${BIG_SHAPE[6]}; k=kv*d//H; print(l*(2*d*d+2*d*k+3*d*h)+v*d)" 2>/dev/null \
  || echo $(( BIG_SHAPE[2]*(2*BIG_SHAPE[0]*BIG_SHAPE[0] + 2*BIG_SHAPE[0]*BIG_SHAPE[4]*(BIG_SHAPE[0]/BIG_SHAPE[3]) + 3*BIG_SHAPE[0]*BIG_SHAPE[1]) + BIG_SHAPE[5]*BIG_SHAPE[0] )))

value() { grep -o "$1=[0-9.eE+-]*" | head -1 | cut -d= -f2; }
bench() {  # name, log file, args...
  local name="$1" logf="$OUT/$2"; shift 2
  "$RUN" "$@" > "$logf" 2>&1 || { log "$name FAILED (see $logf)"; echo "FAILED FAILED"; return; }
  cat "$logf" >> "$OUT/gpu-check.log"
  echo "$(value decode_tok_s < "$logf") $(value prefill_tok_s < "$logf")"
}
STEPS=200
[ "$CPU_ONLY" = 1 ] && STEPS=20

# 3. CUDA vs CPU logits on stories15M (forced tokens, so both follow the same path).
if [ "$CPU_ONLY" = 0 ]; then
  for w in f32 bf16; do
    flag=(); lim=1e-3
    [ $w = bf16 ] && flag=(--bf16) && lim=2e-2
    "$RUN" "$M15" --backend cpu --batch 8 --steps 32 --forced --dump-logits "$OUT/logits-cpu.f32" > "$OUT/compare-cpu.log" 2>&1
    "$RUN" "$M15" --backend cuda "${flag[@]}" --batch 8 --steps 32 --forced --dump-logits "$OUT/logits-cuda-$w.f32" > "$OUT/compare-cuda-$w.log" 2>&1
    res="$("$BUILD/compare-logits" "$OUT/logits-cpu.f32" "$OUT/logits-cuda-$w.f32" 32000 2>&1)"
    d="$(echo "$res" | value max_rel_diff)"
    ok=$(awk -v d="${d:-9}" -v l="$lim" 'BEGIN { print (d <= l) ? "pass" : "FAIL" }')
    row "CUDA vs CPU logits, $w ($M15_NOTE, b=8)" "max rel diff ${d:-?}" "$ok" "<= $lim"
  done
fi

if [ "$CPU_ONLY" = 1 ]; then  # the dry run exercises the comparison on the CPU: AVX2 against the portable kernels
  "$RUN" "$M15" --backend cpu --batch 8 --steps 8 --forced --dump-logits "$OUT/logits-avx2.f32" > "$OUT/compare-avx2.log" 2>&1
  CLOISTER_CPU_KERNEL=portable "$RUN" "$M15" --backend cpu --batch 8 --steps 8 --forced \
    --dump-logits "$OUT/logits-portable.f32" > "$OUT/compare-portable.log" 2>&1
  d="$("$BUILD/compare-logits" "$OUT/logits-avx2.f32" "$OUT/logits-portable.f32" 32000 2>&1 | value max_rel_diff)"
  ok=$(awk -v d="${d:-9}" 'BEGIN { print (d <= 1e-4) ? "pass" : "FAIL" }')
  row "CPU AVX2 vs portable logits ($M15_NOTE, b=8)" "max rel diff ${d:-?}" "$ok" "<= 1e-4"
fi

# 4. stories15M decode and prefill.
for w in f32 bf16; do
  [ "$CPU_ONLY" = 1 ] && [ $w = bf16 ] && continue
  flag=(); [ $w = bf16 ] && flag=(--bf16)
  for b in 1 8 64 256; do
    r=($(bench "decode b=$b $w" "bench-15M-$w-b$b.log" "$M15" --backend $BACKEND "${flag[@]}" --batch $b --steps $STEPS))
    target=""
    [ $b = 1 ] && target=">= 5000 tok/s (H100)"
    [ $b = 256 ] && target=">= 300000 tok/s (H100)"
    row "decode $M15_NOTE $w $BACKEND b=$b" "${r[0]} tok/s" "" "$target"
  done
  r=($(bench "prefill $w" "bench-15M-$w-prefill.log" "$M15" --backend $BACKEND "${flag[@]}" --batch 1 --steps 4 --prefill 250))
  row "prefill $M15_NOTE $w $BACKEND 251 tokens" "${r[1]:-?} tok/s" "" ""
done

# 5. The large model against the copy-bandwidth roofline.
BW=""
if [ "$CPU_ONLY" = 0 ] && [ -x "$BUILD/cuda-bandwidth" ]; then
  BW="$("$BUILD/cuda-bandwidth" 2>&1 | tee "$OUT/bandwidth.log" | value d2d_copy_GBps)"
  row "device-to-device copy bandwidth" "${BW:-?} GB/s (read+write)" "" ""
fi
for b in 1 64; do
  flag=(); [ "$CPU_ONLY" = 0 ] && flag=(--bf16)
  r=($(bench "large b=$b" "bench-large-b$b.log" "$BIG" --backend $BACKEND "${flag[@]}" --batch $b --steps $((STEPS / 4 + 2))))
  extra=""
  if [ -n "$BW" ] && [ "$b" = 1 ]; then
    roof=$(awk -v bw="$BW" -v p="$PARAMS" 'BEGIN { printf "%.1f", bw * 1e9 / (2 * p) }')
    frac=$(awk -v t="${r[0]:-0}" -v r="$roof" 'BEGIN { printf "%.0f%%", 100 * t / r }')
    extra="roofline $roof tok/s: $frac (>= 60%)"
  fi
  row "decode $BIG_NOTE b=$b ($PARAMS params)" "${r[0]} tok/s" "" "$extra"
done

# 6. The Llama 3.2 1B shape (random weights, GGUF) in Q8_0, Q4_K_M and BF16 at batch 1 and 64, against the roofline
#    (weight bytes read per token: the file less its embedding table, which decode reads one row of).
if [ -x "$MAKER" ]; then
  SHAPE1B=llama3.2-1b
  [ "$CPU_ONLY" = 1 ] || [ "$QUICK" = 1 ] && SHAPE1B="512,1536,4,8,2,64,32000,1024"
  for ty in q8_0 q4_k_m bf16; do
    G="$WORK/random-1b-$ty.gguf"
    "$MAKER" "$G" --arch llama3 --type "$ty" --shape "$SHAPE1B" > "$OUT/make-1b-$ty.log" 2>&1 || { log "cannot write $G"; continue; }
    FILE_BYTES=$(stat -c %s "$G")
    for b in 1 64; do
      r=($(bench "1B $ty b=$b" "bench-1b-$ty-b$b.log" "$G" --backend $BACKEND --batch $b --steps $((STEPS / 4 + 2))))
      extra=""
      if [ -n "$BW" ] && [ "$b" = 1 ]; then
        roof=$(awk -v bw="$BW" -v f="$FILE_BYTES" 'BEGIN { printf "%.1f", bw * 1e9 / 2 / f }')
        frac=$(awk -v t="${r[0]:-0}" -v r="$roof" 'BEGIN { printf "%.0f%%", 100 * t / r }')
        extra="roofline ~$roof tok/s (file bytes): $frac"
      fi
      row "decode $SHAPE1B $ty b=$b" "${r[0]} tok/s" "" "$extra"
    done
    rm -f "$G"
  done
fi

echo
echo "== gpu-check: $(date -u) $(head -1 "$OUT/nvidia-smi.txt" 2>/dev/null) =="
printf '%-44s | %-26s | %-16s | %s\n' "check" "result" "verdict" "target"
printf '%s\n' "--------------------------------------------+----------------------------+------------------+----------------------"
for r in "${ROWS[@]}"; do echo "$r"; done | tee "$OUT/table.txt"
