#!/usr/bin/env bash
# Coverage-guided fuzzing of the native model-file parsers (fuzz/fuzz_model_file.cpp) with libFuzzer, AddressSanitizer
# and UBSan: builds the target with clang (CLOISTER_FUZZ=ON, CPU only) in its own build directory, makes a seed corpus
# of small model files with the project's own generators (GGUF of each architecture and tensor type, a llama2.c
# checkpoint), and fuzzes for a set time. The corpus is kept between runs; a finding is written to the artifacts
# directory and fails the run.
#
#   native/fuzz.sh [--duration SECONDS] [--build DIR] [--corpus DIR] [--artifacts DIR] [-- LIBFUZZER_FLAG...]
#
# Needs clang with libFuzzer and OpenMP (Debian: clang-19 libclang-rt-19-dev libomp-19-dev); CLANG=clang-NN picks
# another. The last line reads: fuzz-model-file: executions=N seconds=S exec_per_s=R findings=0 corpus_files=C
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
duration=60
build=$here/build/fuzz
corpus=$here/.fuzz-corpus/model-file
artifacts=$here/build/fuzz-artifacts
while (( $# > 0 )); do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --build) build=$2; shift 2 ;;
        --corpus) corpus=$2; shift 2 ;;
        --artifacts) artifacts=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $duration =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --duration $duration: a number of seconds" >&2; exit 2; }
clang=${CLANG:-clang-19}
command -v "$clang" >/dev/null || { echo "fuzz.sh: $clang not found (Debian: clang-19 libclang-rt-19-dev libomp-19-dev)" >&2; exit 2; }

mkdir -p "$build"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLOISTER_CUDA=OFF -DCLOISTER_FUZZ=ON \
    -DCMAKE_C_COMPILER="$clang" -DCMAKE_CXX_COMPILER="${clang/clang/clang++}" > "$build/configure.log" 2>&1 \
    || { cat "$build/configure.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" --target fuzz-model-file make-random-gguf make-random-llama > "$build/build.log" 2>&1 \
    || { tail -40 "$build/build.log" >&2; exit 1; }

# Seeds: under the 512 KiB input limit (18 to 445 kB), one per architecture and tensor type; the 256-wide
# ones keep the K-quant blocks (rows of 256), the 32-wide ones take llama.cpp's fallback types.
seeds=$build/seeds
if [[ ! -f $seeds/done ]]; then
    rm -rf "$seeds" && mkdir -p "$seeds"
    export ASAN_OPTIONS=detect_leaks=0
    for arch in llama3 qwen2 qwen3; do
        for type in f32 f16 bf16 q8_0 q4_0; do
            "$build/make-random-gguf" "$seeds/$arch-$type.gguf" --arch "$arch" --type "$type" \
                --shape 32,64,1,2,1,16,300,64 >/dev/null
        done
        for type in q4_k q5_k q6_k q4_k_m; do
            "$build/make-random-gguf" "$seeds/$arch-$type-256.gguf" --arch "$arch" --type "$type" \
                --shape 256,256,1,2,1,128,260,32 >/dev/null
        done
    done
    "$build/make-random-gguf" "$seeds/llama3-q8_0-tied.gguf" --arch llama3 --type q8_0 --tied \
        --shape 32,64,1,2,1,16,300,64 >/dev/null
    "$build/make-random-llama" "$seeds/llama2c.bin" 16 32 1 2 1 64 32 >/dev/null
    touch "$seeds/done"
fi

mkdir -p "$corpus" "$artifacts"
log=$build/fuzz-model-file.log
set +e
symbolizer=$(command -v "llvm-symbolizer-${clang##*-}" || command -v llvm-symbolizer || true)
env OMP_WAIT_POLICY=PASSIVE ASAN_OPTIONS=detect_leaks=1 ${symbolizer:+ASAN_SYMBOLIZER_PATH=$symbolizer} "$build/fuzz-model-file" -max_total_time="$duration" \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -max_len=524288 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$@" "$corpus" "$seeds" > "$log" 2>&1
rc=$?
set -e
runs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1 || true)
secs=$(grep -a -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}' | tail -1 || true)
findings=0
if (( rc != 0 )); then
    findings=1
    grep -a -E -A12 'ERROR|runtime error|a refusal|an opened' "$log" | head -40 >&2 || true
    grep -a -E 'SUMMARY|artifact' "$log" >&2 || true
    echo "fuzz.sh: the fuzzer stopped with rc=$rc; the whole log is $log" >&2
fi
rate=0
[[ -n ${secs:-} && ${secs:-0} -gt 0 ]] && rate=$(( ${runs:-0} / secs ))
echo "fuzz-model-file: executions=${runs:-0} seconds=${secs:-0} exec_per_s=$rate findings=$findings corpus_files=$(find "$corpus" -type f | wc -l)"
exit "$rc"
