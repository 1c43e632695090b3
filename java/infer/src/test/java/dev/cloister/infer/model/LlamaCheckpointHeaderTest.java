package dev.cloister.infer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.ModelShape;
import dev.cloister.infer.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class LlamaCheckpointHeaderTest {

    private static ByteBuffer header(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return b.flip();
    }

    @Test
    void stories260kHeaderMatchesItsFileSize() throws Exception {
        byte[] file = Files.readAllBytes(TestModels.stories260k());
        LlamaCheckpointHeader header = LlamaCheckpointHeader.read(ByteBuffer.wrap(file));
        assertEquals(new ModelShape(64, 172, 5, 8, 4, 512, 512), header.shape());
        assertEquals(LlamaCheckpointHeader.Classifier.SHARED_WITH_EMBEDDING, header.classifier());
        assertEquals(file.length, header.fileSize());
    }

    @Test
    void aNegativeVocabularyMeansSeparateClassifierWeights() {
        LlamaCheckpointHeader shared = LlamaCheckpointHeader.read(header(8, 16, 1, 2, 1, 10, 4));
        LlamaCheckpointHeader separate = LlamaCheckpointHeader.read(header(8, 16, 1, 2, 1, -10, 4));
        assertEquals(LlamaCheckpointHeader.Classifier.SEPARATE, separate.classifier());
        assertEquals(10, separate.shape().vocabSize());
        assertEquals(shared.weightCount() + 10 * 8, separate.weightCount());
    }

    @Test
    void badHeadersAreRefused() {
        assertThrows(
                ModelFormatException.class, () -> LlamaCheckpointHeader.read(header(8, 16, 1, 2, 1, 10)), "truncated");
        assertThrows(ModelFormatException.class, () -> LlamaCheckpointHeader.read(header(0, 16, 1, 2, 1, 10, 4)));
        assertThrows(
                ModelFormatException.class,
                () -> LlamaCheckpointHeader.read(header(8, 16, 1, 2, 1, Integer.MIN_VALUE, 4)));
        assertThrows(
                ModelFormatException.class,
                () -> LlamaCheckpointHeader.read(header(8, 16, 1, 2, 1, 10, 1 << 21)),
                "beyond the dimension bound");
        ModelFormatException e = assertThrows(
                ModelFormatException.class, () -> LlamaCheckpointHeader.read(header(8, 16, 1, 3, 1, 10, 4)));
        assertTrue(e.getMessage().startsWith("llama2.c checkpoint: inconsistent header"), e.getMessage());
        assertThrows(
                ModelFormatException.class,
                () -> LlamaCheckpointHeader.read(header(8, 16, 1, 4, 3, 10, 4)),
                "heads not a multiple of kv heads");
    }
}
