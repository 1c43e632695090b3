package dev.cloister.infer.scheduler;

/**
 * What one scheduler step fed to the engine.
 *
 * @param number the step's number, from 1
 * @param decodeBatch sequences given one decode token each
 * @param prefillTokens prompt tokens fed by chunked prefill
 * @param prefillSequences sequences that got a prefill chunk
 */
public record Step(long number, int decodeBatch, int prefillTokens, int prefillSequences) {

    /** Tokens fed in the step: never above the configured budget. */
    public int tokens() {
        return decodeBatch + prefillTokens;
    }

    /** Observes steps (on the scheduler's thread: must return quickly). */
    @FunctionalInterface
    public interface Observer {
        Observer NONE = step -> {};

        void onStep(Step step);
    }
}
