package dev.cloister.infer.sampling;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How to pick each next token and when to stop. Validated once, here.
 *
 * @param temperature 0 for greedy decoding (the most likely token, the lowest id on ties); otherwise the logits are
 *     divided by it before the softmax; at most {@link #MAX_TEMPERATURE}
 * @param topP nucleus sampling: sample only among the most likely tokens whose probabilities add up to just over
 *     {@code topP}; 1 samples from the whole distribution; in (0, 1]
 * @param seed seeds the random choices: the same seed, parameters and logits give the same tokens
 * @param maxTokens the most tokens to generate, in [1, {@link #MAX_TOKENS}]
 * @param stopStrings generation ends after the token that completes any of these (at most {@link #MAX_STOP_STRINGS},
 *     each 1..{@link #MAX_STOP_STRING_BYTES} UTF-8 bytes)
 */
public record SamplingParameters(float temperature, float topP, long seed, int maxTokens, List<String> stopStrings) {

    public static final float MAX_TEMPERATURE = 100f;
    public static final int MAX_TOKENS = 1 << 20;
    public static final int MAX_STOP_STRINGS = 16;
    public static final int MAX_STOP_STRING_BYTES = 256;

    public SamplingParameters {
        if (!(temperature >= 0f && temperature <= MAX_TEMPERATURE)) {
            throw new IllegalArgumentException("temperature " + temperature + " outside [0, " + MAX_TEMPERATURE + "]");
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top-p " + topP + " outside (0, 1]");
        }
        if (maxTokens < 1 || maxTokens > MAX_TOKENS) {
            throw new IllegalArgumentException("max tokens " + maxTokens + " outside [1, " + MAX_TOKENS + "]");
        }
        stopStrings = List.copyOf(stopStrings);
        if (stopStrings.size() > MAX_STOP_STRINGS) {
            throw new IllegalArgumentException(stopStrings.size() + " stop strings, more than " + MAX_STOP_STRINGS);
        }
        for (String stop : stopStrings) {
            int length = stop.getBytes(StandardCharsets.UTF_8).length;
            if (length == 0 || length > MAX_STOP_STRING_BYTES) {
                throw new IllegalArgumentException(
                        "a stop string of " + length + " bytes (1.." + MAX_STOP_STRING_BYTES + " accepted)");
            }
        }
    }

    /** Greedy decoding of at most {@code maxTokens} tokens, no stop strings. */
    public static SamplingParameters greedy(int maxTokens) {
        return new SamplingParameters(0f, 1f, 0L, maxTokens, List.of());
    }

    /** Temperature and nucleus sampling, seeded. */
    public static SamplingParameters sampled(float temperature, float topP, long seed, int maxTokens) {
        return new SamplingParameters(temperature, topP, seed, maxTokens, List.of());
    }

    /** The same parameters with these stop strings. */
    public SamplingParameters withStopStrings(List<String> stops) {
        return new SamplingParameters(temperature, topP, seed, maxTokens, stops);
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    /** Shows the numbers and how many stop strings there are, never their text. */
    @Override
    public String toString() {
        return "SamplingParameters[temperature=" + temperature + ", topP=" + topP + ", maxTokens=" + maxTokens
                + ", stopStrings=" + stopStrings.size() + "]";
    }
}
