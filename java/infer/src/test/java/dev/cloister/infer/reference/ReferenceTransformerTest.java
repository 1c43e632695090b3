package dev.cloister.infer.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.InferenceException;
import dev.cloister.infer.ModelShape;
import dev.cloister.infer.TestModels;
import dev.cloister.infer.sampling.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceTransformerTest {

    private static final int[] PROMPT = {1, 403, 407, 261, 378};

    @TempDir
    Path dir;

    @Test
    void readsTheStories260kShape() {
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 2)) {
            assertEquals(new ModelShape(64, 172, 5, 8, 4, 512, 512), model.shape());
        }
    }

    /** The forward pass alone (no scheduler): greedy decoding reproduces run.c's ids. */
    @Test
    void greedyDecodingReproducesRunC() {
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 1)) {
            int vocab = model.shape().vocabSize();
            float[] logits = new float[vocab];
            int seq = model.openSequence();
            model.prefill(seq, PROMPT, 0, PROMPT.length, logits);
            int[] generated = new int[TestModels.REFERENCE_IDS.length - 4];
            for (int i = 0; i < generated.length; i++) {
                generated[i] = Sampler.argmax(logits, 0, vocab);
                model.decode(new int[] {seq}, new int[] {generated[i]}, 1, logits);
            }
            assertArrayEquals(
                    Arrays.copyOfRange(TestModels.REFERENCE_IDS, 4, TestModels.REFERENCE_IDS.length), generated);
            assertEquals(PROMPT.length + generated.length, model.position(seq));
        }
    }

    @Test
    void chunkedPrefillEqualsTokenByTokenAndBatchedDecodeEqualsSingle() {
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 3)) {
            int vocab = model.shape().vocabSize();
            float[] whole = new float[vocab];
            float[] chunked = new float[vocab];
            int a = model.openSequence();
            int b = model.openSequence();
            model.prefill(a, PROMPT, 0, PROMPT.length, whole);
            model.prefill(b, PROMPT, 0, 2, chunked);
            model.prefill(b, PROMPT, 2, 3, chunked);
            assertArrayEquals(whole, chunked);
            float[] batched = new float[2 * vocab];
            model.decode(new int[] {a, b}, new int[] {432, 432}, 2, batched);
            assertArrayEquals(Arrays.copyOfRange(batched, 0, vocab), Arrays.copyOfRange(batched, vocab, 2 * vocab));
        }
    }

    @Test
    void badCallsAreRefusedWithReasons() {
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 1)) {
            float[] logits = new float[512];
            assertThrows(InferenceException.class, () -> model.position(0), "not open");
            int seq = model.openSequence();
            assertEquals(
                    "all 1 sequences are open",
                    assertThrows(InferenceException.class, model::openSequence).getMessage());
            assertThrows(InferenceException.class, () -> model.prefill(seq, new int[] {512}, 0, 1, logits));
            assertThrows(InferenceException.class, () -> model.prefill(seq, new int[] {-1}, 0, 1, logits));
            assertThrows(InferenceException.class, () -> model.prefill(seq, new int[] {1}, 0, 2, logits));
            assertThrows(InferenceException.class, () -> model.prefill(seq, new int[] {1}, 0, 1, new float[3]));
            assertThrows(
                    InferenceException.class,
                    () -> model.prefill(seq, new int[600], 0, 600, logits),
                    "past the context length");
            assertEquals(0, model.position(seq), "refused calls change nothing");
            assertThrows(
                    InferenceException.class,
                    () -> model.decode(new int[] {seq, seq}, new int[] {1, 1}, 2, new float[1024]),
                    "the same sequence twice");
            model.closeSequence(seq);
            assertThrows(InferenceException.class, () -> model.closeSequence(seq));
            assertThrows(InferenceException.class, () -> model.decode(new int[] {seq}, new int[] {1}, 1, logits));
        }
    }

    @Test
    void closingZeroesAndFreesTheSlot() {
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 1)) {
            int seq = model.openSequence();
            model.prefill(seq, PROMPT, 0, PROMPT.length, new float[512]);
            model.closeSequence(seq);
            assertEquals(0, model.openSequences());
            int again = model.openSequence();
            assertEquals(0, model.position(again));
        }
    }

    @Test
    void truncatedOrInconsistentCheckpointsAreRefused() throws IOException {
        byte[] file = Files.readAllBytes(TestModels.stories260k());
        Path truncated = dir.resolve("truncated.bin");
        Files.write(truncated, Arrays.copyOf(file, file.length - 4));
        assertTrue(assertThrows(InferenceException.class, () -> ReferenceTransformer.load(truncated, 1))
                .getMessage()
                .contains("header implies"));
        Path badHeads = dir.resolve("heads.bin");
        byte[] copy = file.clone();
        copy[12] = 7; // n_heads 8 -> 7: dim 64 does not divide
        Files.write(badHeads, copy);
        assertThrows(InferenceException.class, () -> ReferenceTransformer.load(badHeads, 1));
    }
}
