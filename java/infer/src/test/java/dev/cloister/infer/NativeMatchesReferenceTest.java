package dev.cloister.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.nativecore.NativeEngine;
import dev.cloister.infer.reference.ReferenceTransformer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The native CPU backend against the plain Java reference forward pass (written independently, in test code): on
 * random prompts, prefill and then greedy decode, every logit agrees to within 1e-4 relative error (relative to the
 * largest logit magnitude of that position, so that logits near zero do not make the ratio meaningless).
 */
class NativeMatchesReferenceTest {

    private static final double TOLERANCE = 1e-4;

    @Test
    void cpuLogitsMatchTheJavaReference() {
        try (ReferenceTransformer reference = ReferenceTransformer.load(TestModels.stories260k(), 1);
                NativeEngine engine = NativeEngine.open(
                        TestModels.stories260k(),
                        NativeEngine.Options.defaults()
                                .withBackend(NativeEngine.Backend.CPU)
                                .withThreads(1)
                                .withMaxSequences(1))) {
            ModelShape shape = engine.shape();
            assertEquals(reference.shape(), shape);
            Random random = new Random(20261128L);
            int vocab = shape.vocabSize();
            double worst = 0;
            for (int trial = 0; trial < 6; trial++) {
                int length = 1 + random.nextInt(40);
                int[] prompt = new int[length];
                for (int i = 0; i < length; i++) prompt[i] = random.nextInt(vocab);
                int r = reference.openSequence();
                int n = engine.openSequence();
                float[] expected = new float[vocab];
                float[] actual = new float[vocab];
                reference.prefill(r, prompt, 0, length, expected);
                engine.prefill(n, prompt, 0, length, actual);
                worst = Math.max(worst, compare(expected, actual, "prefill of " + length));
                for (int step = 0; step < 12; step++) {
                    int next = argmax(expected);
                    reference.decode(new int[] {r}, new int[] {next}, 1, expected);
                    engine.decode(new int[] {n}, new int[] {next}, 1, actual);
                    worst = Math.max(worst, compare(expected, actual, "decode step " + step));
                }
                reference.closeSequence(r);
                engine.closeSequence(n);
            }
            assertTrue(worst < TOLERANCE, "worst relative error " + worst);
        }
    }

    private static double compare(float[] expected, float[] actual, String where) {
        double scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / Math.max(scale, 1e-6));
        }
        assertTrue(worst < TOLERANCE, where + ": relative error " + worst);
        return worst;
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
