package dev.cloister.infer.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: greedy (argmax, lowest id on ties), or softmax at a temperature, then
 * optionally nucleus (top-p) filtering, then one draw from a {@link SplittableRandom} seeded with the parameters'
 * seed. One sampler per sequence; not thread-safe.
 */
public final class Sampler {

    private final SamplingParameters parameters;
    private final SplittableRandom random;
    private float[] probabilities = new float[0];
    private long[] order = new long[0];

    public Sampler(SamplingParameters parameters) {
        this.parameters = parameters;
        this.random = new SplittableRandom(parameters.seed());
    }

    /**
     * The next token from {@code logits[offset .. offset + vocabSize)}; the logits are not modified.
     *
     * @throws IllegalStateException when the logits hold no usable value (NaN or infinite: a broken engine)
     */
    public int sample(float[] logits, int offset, int vocabSize) {
        if (vocabSize < 1 || offset < 0 || offset > logits.length - vocabSize) {
            throw new IllegalArgumentException(
                    "logits row [" + offset + ", +" + vocabSize + ") outside " + logits.length);
        }
        if (parameters.greedy()) {
            int best = argmax(logits, offset, vocabSize);
            if (!(logits[offset + best] > Float.NEGATIVE_INFINITY)) {
                throw new IllegalStateException("no finite logit to choose from");
            }
            return best;
        }
        if (probabilities.length != vocabSize) {
            probabilities = new float[vocabSize];
        }
        softmax(logits, offset, vocabSize, parameters.temperature(), probabilities);
        float coin = random.nextFloat();
        return parameters.topP() < 1f ? nucleus(probabilities, parameters.topP(), coin) : draw(probabilities, coin);
    }

    /** Zeroes the scratch that held the last distribution (it says something about the text). */
    public void wipe() {
        Arrays.fill(probabilities, 0f);
        Arrays.fill(order, 0L);
    }

    /** The index of the largest value (the first one on ties; NaN never wins). */
    public static int argmax(float[] values, int offset, int count) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            float value = values[offset + i];
            if (value > bestValue) {
                bestValue = value;
                best = i;
            }
        }
        return best;
    }

    /** {@code out[i] = exp((x[i] - max) / t) / sum}. */
    static void softmax(float[] logits, int offset, int count, float temperature, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, logits[offset + i] / temperature);
        }
        if (!Float.isFinite(max)) {
            throw new IllegalStateException("logits are not finite");
        }
        double sum = 0;
        for (int i = 0; i < count; i++) {
            float e = (float) Math.exp(logits[offset + i] / temperature - max);
            out[i] = e;
            sum += e;
        }
        for (int i = 0; i < count; i++) {
            out[i] = (float) (out[i] / sum);
        }
    }

    /** Inverse-CDF draw: the first index where the running sum exceeds {@code coin} (the last one if rounding says none). */
    static int draw(float[] probabilities, float coin) {
        float cumulative = 0f;
        for (int i = 0; i < probabilities.length; i++) {
            cumulative += probabilities[i];
            if (coin < cumulative) {
                return i;
            }
        }
        return probabilities.length - 1;
    }

    /**
     * Nucleus sampling: sorts the tokens by probability (descending, lowest id first on ties), keeps the shortest prefix
     * whose mass exceeds {@code topP}, and draws within it, scaled to its mass.
     */
    int nucleus(float[] probabilities, float topP, float coin) {
        int n = probabilities.length;
        // tokens below this cannot be in the nucleus: the ones above it already hold more than topP (as run.c notes)
        float floor = n > 1 ? (1f - topP) / (n - 1) : 0f;
        if (order.length < n) {
            order = new long[n];
        }
        // sort keys: descending probability (the bits of a non-negative float order like the float), then ascending id
        int candidates = 0;
        for (int i = 0; i < n; i++) {
            if (probabilities[i] >= floor) {
                order[candidates++] = (long) (Integer.MAX_VALUE - Float.floatToIntBits(probabilities[i])) << 32 | i;
            }
        }
        Arrays.sort(order, 0, candidates);
        float mass = 0f;
        int last = candidates - 1;
        for (int i = 0; i < candidates; i++) {
            mass += probabilities[token(order[i])];
            if (mass > topP) {
                last = i;
                break;
            }
        }
        float target = coin * mass;
        float cumulative = 0f;
        for (int i = 0; i <= last; i++) {
            cumulative += probabilities[token(order[i])];
            if (target < cumulative) {
                return token(order[i]);
            }
        }
        return token(order[last]);
    }

    private static int token(long key) {
        return (int) key;
    }
}
