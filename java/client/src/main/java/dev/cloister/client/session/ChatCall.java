package dev.cloister.client.session;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * A chat completion in flight: its outcome, and a way to stop it. Cancelling resets the exchange, so the relay, the
 * gateway and the enclave see the connection close; the enclave then ends the generation before its next decode step
 * and zeroes the sequence's KV-cache blocks. The outcome then fails with
 * {@link java.util.concurrent.CancellationException}, and no more chunks are delivered.
 */
public final class ChatCall {

    private final Promise<Void> cancelled;
    private final Future<ChatAnswer> answer;

    ChatCall(Promise<Void> cancelled, Future<ChatAnswer> answer) {
        this.cancelled = cancelled;
        this.answer = answer;
    }

    /** Completes when the answer has ended and was read in full; fails with a {@link SessionFailure} otherwise. */
    public Future<ChatAnswer> answer() {
        return answer;
    }

    /** Stops the completion (idempotent; no effect once it has ended). */
    public void cancel() {
        cancelled.tryComplete();
    }

    public boolean isCancelled() {
        return cancelled.future().isComplete();
    }
}
