package dev.cloister.infer.nativecore;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.infer.InferenceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The native model-file parsers (llama2.c header, GGUF header, metadata and tensor table) on arbitrary bytes: every
 * input opens or is refused with an {@link InferenceException}; a crash of the native code would end the JVM and fail
 * the run. Half the inputs get the GGUF magic and version 3, so the fuzzer's bytes reach the GGUF tables.
 */
class ModelFileFuzzTest {

    private static final Path FILE = temporaryFile();

    private static Path temporaryFile() {
        try {
            Path f = Files.createTempFile("cloister-fuzz-model", ".bin");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void anyModelFileOpensOrIsRefused(FuzzedDataProvider data) throws IOException {
        boolean gguf = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        byte[] file;
        if (gguf) {
            file = ByteBuffer.allocate(8 + body.length)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .put(new byte[] {'G', 'G', 'U', 'F'})
                    .putInt(3)
                    .put(body)
                    .array();
        } else {
            file = body;
        }
        Files.write(FILE, file);
        NativeEngine.Options options = NativeEngine.Options.defaults()
                .withBackend(NativeEngine.Backend.CPU)
                .withThreads(1)
                .withMaxSequences(1)
                .withPrefillChunk(1)
                .withKvBlocks(16, 1);
        try (NativeEngine engine = NativeEngine.open(FILE, options)) {
            if (engine.shape().vocabSize() <= 0) {
                throw new AssertionError("an opened model has a vocabulary");
            }
        } catch (InferenceException refused) {
            if (refused.getMessage() == null || refused.getMessage().isBlank()) {
                throw new AssertionError("a refusal says why", refused);
            }
        }
    }
}
