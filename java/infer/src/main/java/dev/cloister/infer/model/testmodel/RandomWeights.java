package dev.cloister.infer.model.testmodel;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The initial values of a test model, reproducible on any JVM: row {@code r} of the tensor named {@code n} draws from a
 * SplitMix64 generator ({@link SplittableRandom}, whose algorithm is specified) seeded from the model seed, an FNV-1a
 * hash of {@code n} and {@code r}; normal deviates come from the Box-Muller transform in {@link StrictMath}. Rows are
 * independent, so they can be drawn in parallel. Scales follow common initialisations: matrices and biases normal with
 * standard deviation 0.02, norm weights {@code 1 + N(0, 0.05)}.
 */
final class RandomWeights {

    static final double MATRIX_DEVIATION = 0.02;
    static final double BIAS_DEVIATION = 0.02;
    static final double NORM_DEVIATION = 0.05;

    private RandomWeights() {}

    /** Fills {@code row} with row {@code index} of the tensor. */
    static void fill(long seed, String tensor, TensorRole role, long index, float[] row) {
        SplittableRandom random = new SplittableRandom(mix(seed, fnv1a(tensor), index));
        double mean = role.isNorm() ? 1.0 : 0.0;
        double deviation = role.isNorm() ? NORM_DEVIATION : role.isMatrix() ? MATRIX_DEVIATION : BIAS_DEVIATION;
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) (mean + deviation * normal(random));
        }
    }

    private static double normal(SplittableRandom random) {
        double u1 = 1.0 - (random.nextLong() >>> 11) * 0x1.0p-53; // (0, 1]
        double u2 = (random.nextLong() >>> 11) * 0x1.0p-53;
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    private static long fnv1a(String text) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xFF;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    private static long mix(long seed, long name, long row) {
        long z = seed * 0x9E3779B97F4A7C15L + name;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L + row;
        return z ^ (z >>> 29);
    }
}
