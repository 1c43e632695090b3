#!/usr/bin/env bash
# Regenerates native/reference/fixtures: llama.cpp's (node-llama-cpp 3.21.1, CPU) greedy tokens and top-64
# log-probabilities for the tiny random GGUF of every architecture and tensor type (make-random-gguf, seed 1) and two
# 288-wide ones (Q5_0/Q5_1/Q8_0 fallbacks), which
# native/tests/test_llama_cpp_fixtures.cpp compares the engine with (CI needs no llama.cpp).
#
#   native/reference/regenerate-fixtures.sh BUILD_DIR      (BUILD_DIR: a native/ CMake build with the tools)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$(cd "${1:?usage: regenerate-fixtures.sh BUILD_DIR}" && pwd)"
cd "$HERE"
[ -d node_modules/node-llama-cpp ] || npm i -E node-llama-cpp@3.21.1 --no-audit --no-fund
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
MODELS=()
for arch in llama3 qwen2 qwen3; do
  for type in f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k q4_k_m; do
    "$BUILD/make-random-gguf" "$WORK/$arch-$type.gguf" --arch "$arch" --type "$type" --seed 1 > /dev/null
    MODELS+=("$WORK/$arch-$type.gguf")
  done
done
# 288-wide rows: llama.cpp's fallbacks Q4_K -> Q5_0, Q6_K -> Q8_0 (q4_k_m) and Q5_K -> Q5_1 (q5_k).
for spec in llama3:q4_k_m qwen2:q5_k; do
  arch="${spec%%:*}" type="${spec##*:}"
  "$BUILD/make-random-gguf" "$WORK/$arch-$type-w288.gguf" --arch "$arch" --type "$type" \
    --shape 288,768,2,6,3,48,512,512 --seed 1 > /dev/null
  MODELS+=("$WORK/$arch-$type-w288.gguf")
done
OMP_WAIT_POLICY=PASSIVE node llama-cpp-parity.mjs --infer-run "$BUILD/cloister-infer-run" --prompt 1,5,9,300,42,7 \
  --steps 64 --threads 2 --fixtures "$HERE/fixtures" "${MODELS[@]}"
