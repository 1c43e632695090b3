package dev.cloister.client.session;

import dev.cloister.client.ReadControl;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * A chat completion in flight: its outcome, and a way to stop it. Cancelling resets the exchange, so the relay, the
 * gateway and the enclave see the connection close; the enclave then ends the generation before its next decode step
 * and zeroes the sequence's KV-cache blocks. The outcome then fails with
 * {@link java.util.concurrent.CancellationException}, and no more chunks are delivered.
 *
 * <p>A consumer that falls behind (a proxy's caller that reads slowly) {@linkplain #pause() pauses} the call: its
 * answer is not read from the relay until {@linkplain #resume() resumed}, and TCP's flow control carries the pause to
 * the enclave, which stops generating the sequence (keeping it) while its outbox is full. A call paused longer than
 * the enclave allows is ended there, and its outcome fails.
 */
public final class ChatCall {

    private final Promise<Void> cancelled;
    private final Future<ChatAnswer> answer;
    private final ReadControl reading;

    ChatCall(Promise<Void> cancelled, Future<ChatAnswer> answer, ReadControl reading) {
        this.cancelled = cancelled;
        this.answer = answer;
        this.reading = reading;
    }

    /** Completes when the answer has ended and was read in full; fails with a {@link SessionFailure} otherwise. */
    public Future<ChatAnswer> answer() {
        return answer;
    }

    /** Stops the completion (idempotent; no effect once it has ended). */
    public void cancel() {
        cancelled.tryComplete();
    }

    /** Stops reading the answer until {@link #resume()} (idempotent; any thread). */
    public void pause() {
        reading.pause();
    }

    /** Reads the answer again (idempotent; any thread). */
    public void resume() {
        reading.resume();
    }

    public boolean isPaused() {
        return reading.isPaused();
    }

    public boolean isCancelled() {
        return cancelled.future().isComplete();
    }
}
