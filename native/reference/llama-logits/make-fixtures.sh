#!/bin/sh
# Regenerates testdata/vectors/llama-cpp-models: what llama.cpp (the CPU libraries node-llama-cpp 3.21.1 ships
# prebuilt) computes, for the tests that hold Cloister's quantizer and Java reference forward pass to it.
#
#   native/reference/llama-logits/make-fixtures.sh
#
# 1. quant/<type>.blocks, quant/<type>.floats: 1024 values of a fixed pattern quantized by ggml's own encoder and
#    decoded by its decoder (llama_logits quant), for every type Cloister writes.
# 2. logits/: the tiny test models of each architecture (llama3, qwen2, qwen3) in f32, q8_0 and q4_k_m, seed 1, with
#    tok512's vocabulary, written by `cloister model make-test` (the tests regenerate them the same way and check their
#    SHA-256 against logits/models.sha256); for each prompt of prompts.txt (token ids) the last position's logits
#    (<model>.logits.bin, float32 little-endian, one row of 512 per prompt) and 64 greedy tokens (<model>.json).
#
# Needs: npm (node-llama-cpp is installed here, node_modules is git-ignored), a C compiler, git, and the cloister
# launcher (CLOISTER=path/to/cloister to use another build of it).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
OUT="$ROOT/testdata/vectors/llama-cpp-models"
CLOISTER="${CLOISTER:-$ROOT/cloister}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloister-llama-fixtures.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

[ -d "$HERE/node_modules/node-llama-cpp" ] || (cd "$HERE" && npm ci --ignore-scripts)
LLAMA="$HERE/node_modules/node-llama-cpp/llama"
BINS="$HERE/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
git clone -q "$LLAMA/gitRelease.bundle" "$WORK/llama.cpp" 2>/dev/null
LIBLLAMA="$(cd "$BINS" && ls libllama.*so | head -1)"
LIBGGML="$(cd "$BINS" && ls libggml.*so | head -1)"
cc -O2 -Wall -o "$WORK/llama_logits" "$HERE/llama_logits.c" \
  -I"$WORK/llama.cpp/include" -I"$WORK/llama.cpp/ggml/include" \
  -L"$BINS" -l:"$LIBLLAMA" -l:libggml-base.so -l:"$LIBGGML" -Wl,-rpath,"$BINS" -lm

mkdir -p "$OUT/quant" "$OUT/logits"
for type in f16 bf16 q8_0 q4_0 q5_0 q5_1 q4_K q5_K q6_K; do
  "$WORK/llama_logits" quant "$type" 1024 "$OUT/quant/$type.blocks" "$OUT/quant/$type.floats"
done

"$CLOISTER" model convert --checkpoint "$ROOT/testdata/models/stories260K.bin" \
  --tokenizer "$ROOT/testdata/models/tok512.bin" --out "$WORK/tok512.gguf"
: >"$OUT/logits/models.sha256"
for arch in llama3 qwen2 qwen3; do
  for type in f32 q8_0 q4_k_m; do
    name="$arch-tiny-$type"
    "$CLOISTER" model make-test --arch "$arch" --shape tiny --type "$type" --seed 1 \
      --vocab-from "$WORK/tok512.gguf" --out "$WORK/$name.gguf"
    (cd "$WORK" && sha256sum "$name.gguf") >>"$OUT/logits/models.sha256"
    LLAMA_BACKENDS="$BINS" "$WORK/llama_logits" run "$WORK/$name.gguf" "$OUT/prompts.txt" 64 \
      "$OUT/logits/$name.logits.bin" >"$OUT/logits/$name.json"
  done
done
echo "llama.cpp release (node-llama-cpp 3.21.1): $(sed -n 's/.*"release": *"\([^"]*\)".*/\1/p' \
  "$BINS/_nlcBuildMetadata.json")" >"$OUT/logits/llama-cpp-version.txt"
echo "wrote $OUT"
