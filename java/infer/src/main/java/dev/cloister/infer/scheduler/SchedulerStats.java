package dev.cloister.infer.scheduler;

/**
 * Counters of a {@link BatchScheduler} since it started (counts only, never content).
 *
 * @param submitted requests accepted into the queue
 * @param rejected requests refused because the queue was full or the scheduler closed
 * @param finished requests ended for any reason
 * @param cancelled of those, cancelled by the caller
 * @param expired of those, past their deadline
 * @param stalled of those, paused longer than {@link SchedulerConfig#maxPause()}
 * @param failed of those, failed by the engine or the sink
 * @param promptTokens prompt tokens fed
 * @param generatedTokens tokens generated
 * @param steps engine steps run
 * @param active requests holding a sequence now
 * @param waiting requests waiting for a sequence now
 * @param paused active requests paused now (holding their sequence, fed nothing)
 */
public record SchedulerStats(
        long submitted,
        long rejected,
        long finished,
        long cancelled,
        long expired,
        long stalled,
        long failed,
        long promptTokens,
        long generatedTokens,
        long steps,
        int active,
        int waiting,
        int paused) {}
