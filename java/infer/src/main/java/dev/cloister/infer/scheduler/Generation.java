package dev.cloister.infer.scheduler;

import java.util.concurrent.CompletableFuture;

/** A submitted request: it can be cancelled, and completes once its sequence is closed. */
public final class Generation {

    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private volatile boolean cancelled;

    Generation() {}

    /** Asks the scheduler to end the request before its next step (idempotent; no effect once it has ended). */
    public void cancel() {
        cancelled = true;
    }

    boolean cancelRequested() {
        return cancelled;
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
        return "Generation[" + (completion.isDone() ? "done" : cancelled ? "cancelling" : "running") + "]";
    }
}
