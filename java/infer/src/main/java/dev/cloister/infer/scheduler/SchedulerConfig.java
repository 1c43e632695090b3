package dev.cloister.infer.scheduler;

/**
 * Limits of a {@link BatchScheduler}.
 *
 * @param queueCapacity requests that may wait for a free sequence; one more is rejected at once
 * @param tokenBudget the most tokens one step feeds to the engine, decode and prefill together
 * @param prefillChunk the most prompt tokens of one request fed in one step
 */
public record SchedulerConfig(int queueCapacity, int tokenBudget, int prefillChunk) {

    public SchedulerConfig {
        if (queueCapacity < 1 || tokenBudget < 1 || prefillChunk < 1) {
            throw new IllegalArgumentException("queue capacity, token budget and prefill chunk must be positive");
        }
        if (prefillChunk > tokenBudget) {
            throw new IllegalArgumentException(
                    "prefill chunk " + prefillChunk + " above the token budget " + tokenBudget);
        }
    }
}
