package dev.cloister.client;

import io.vertx.core.Context;
import io.vertx.core.http.HttpClientResponse;

/**
 * Stops and restarts the reading of a streamed response, for a consumer that cannot keep up. Paused, the response is
 * not read from its connection, so TCP's flow control slows the sender: the relay, then the gateway, then the enclave,
 * which pauses the generation (its sequence kept) until the reading resumes. Nothing piles up on the way.
 *
 * <p>Thread-safe: {@link #pause()} and {@link #resume()} may be called from any thread; they act on the response on
 * its own context. A response attached while paused starts paused (a retried attempt keeps the consumer's state).
 */
public final class ReadControl {

    private HttpClientResponse response;
    private Context context;
    private boolean paused;

    /** Stops reading (idempotent). */
    public synchronized void pause() {
        if (paused) return;
        paused = true;
        apply();
    }

    /** Reads again (idempotent). */
    public synchronized void resume() {
        if (!paused) return;
        paused = false;
        apply();
    }

    public synchronized boolean isPaused() {
        return paused;
    }

    /** The response now being read, on its context. */
    synchronized void attach(HttpClientResponse response, Context context) {
        this.response = response;
        this.context = context;
        if (paused) response.pause();
    }

    private void apply() {
        if (response == null) return;
        HttpClientResponse current = response;
        boolean pause = paused;
        context.runOnContext(v -> {
            if (pause) {
                current.pause();
            } else {
                current.resume();
            }
        });
    }
}
