package dev.cloister.infer.scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of a {@link BatchScheduler}.
 *
 * @param queueCapacity requests that may wait for a free sequence; one more is rejected at once
 * @param tokenBudget the most tokens one step feeds to the engine, decode and prefill together
 * @param prefillChunk the most prompt tokens of one request fed in one step
 * @param maxPause the longest a request may stay paused ({@link Generation#pause()}) before it ends as
 *     {@link dev.cloister.infer.sampling.FinishReason#STALLED}: a reader that stops taking the output does not hold a
 *     sequence and its KV cache for longer
 */
public record SchedulerConfig(int queueCapacity, int tokenBudget, int prefillChunk, Duration maxPause) {

    /** The longest pause by default: 10 s. */
    public static final Duration DEFAULT_MAX_PAUSE = Duration.ofSeconds(10);

    public SchedulerConfig {
        if (queueCapacity < 1 || tokenBudget < 1 || prefillChunk < 1) {
            throw new IllegalArgumentException("queue capacity, token budget and prefill chunk must be positive");
        }
        if (prefillChunk > tokenBudget) {
            throw new IllegalArgumentException(
                    "prefill chunk " + prefillChunk + " above the token budget " + tokenBudget);
        }
        Objects.requireNonNull(maxPause, "maxPause");
        if (maxPause.isNegative() || maxPause.isZero()) {
            throw new IllegalArgumentException("the longest pause must be positive: " + maxPause);
        }
    }

    /** With the default longest pause ({@link #DEFAULT_MAX_PAUSE}). */
    public SchedulerConfig(int queueCapacity, int tokenBudget, int prefillChunk) {
        this(queueCapacity, tokenBudget, prefillChunk, DEFAULT_MAX_PAUSE);
    }

    /** The same limits with another longest pause. */
    public SchedulerConfig withMaxPause(Duration maxPause) {
        return new SchedulerConfig(queueCapacity, tokenBudget, prefillChunk, maxPause);
    }
}
