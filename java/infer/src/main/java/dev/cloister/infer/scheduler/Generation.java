package dev.cloister.infer.scheduler;

import java.util.concurrent.CompletableFuture;

/**
 * A submitted request: it can be cancelled, paused and resumed, and completes once its sequence is closed.
 *
 * <p><b>Pausing</b> is how a reader that cannot keep up slows its request down without holding anyone else back: a
 * paused request keeps its sequence and KV cache (and its sampled, not yet fed, next token) but is left out of every
 * step, so the batch's compute goes to the requests still generating; resumed, it continues exactly where it stopped
 * and yields the tokens it would have yielded unpaused. One that stays paused longer than
 * {@link SchedulerConfig#maxPause()} ends as {@link dev.cloister.infer.sampling.FinishReason#STALLED}.
 */
public final class Generation {

    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private volatile boolean cancelled;
    private volatile boolean paused;
    /** Wakes the scheduler's thread when a paused request resumes (set by the scheduler at submit). */
    private volatile Runnable wake = () -> {};

    Generation() {}

    /** Asks the scheduler to end the request before its next step (idempotent; no effect once it has ended). */
    public void cancel() {
        cancelled = true;
        wake.run();
    }

    /**
     * Asks the scheduler to stop feeding the request from its next step on, keeping its sequence (idempotent; any
     * thread; no effect once it has ended). Tokens of a step already running are still delivered.
     */
    public void pause() {
        paused = true;
    }

    /** Lets a paused request generate again from the next step (idempotent; any thread). */
    public void resume() {
        paused = false;
        wake.run();
    }

    boolean cancelRequested() {
        return cancelled;
    }

    boolean pauseRequested() {
        return paused;
    }

    void wakeWith(Runnable wake) {
        this.wake = wake;
    }

    /** Completes (never exceptionally) when the request has ended and its sequence is closed. */
    public CompletableFuture<Completion> completion() {
        return completion.copy();
    }

    CompletableFuture<Completion> completable() {
        return completion;
    }

    @Override
    public String toString() {
        return "Generation[" + (completion.isDone() ? "done" : cancelled ? "cancelling" : paused ? "paused" : "running")
                + "]";
    }
}
