package dev.cloister.enclave;

import dev.cloister.attest.ratls.RaTlsException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The one writer of a session's answer: TLS records into the gateway's response. Each record carries the next
 * sequence number, so the client can open records only in the order they were sealed (RFC 8446, section 5.3): a
 * record that overtakes an earlier one fails as {@code bad_record_mac}. Here sealing and queuing happen together
 * under one lock, from whichever thread produces the bytes (the event loop, the scheduler's thread), and only this
 * outbox writes to the response, on the response's context, draining the queue in order. After close_notify nothing
 * more is sealed, and the response ends behind the last record.
 *
 * <p><b>A reader that falls behind.</b> The outbox hands records to the connection only while its write queue is not
 * full ({@link HttpServerResponse#writeQueueFull()}, the queue sized to {@code pauseBytes}); the rest waits here, in
 * order, until the connection drains ({@link HttpServerResponse#drainHandler}). Once {@code pauseBytes} wait here the
 * producer is paused ({@link AnswerChannel.Throttle}: the scheduler stops generating the sequence), and it is resumed
 * when this queue is empty again. So one session's answer holds at most about {@code 2 * pauseBytes} in the enclave
 * (the connection's queue and this one), plus what the producer seals in the step that paused it (one token's
 * event) and the answer's last records.
 */
final class RecordOutbox implements AnswerChannel {

    /** By default the producer pauses once 32 KiB wait here (and as much in the connection's write queue). */
    static final int DEFAULT_PAUSE_BYTES = 32 * 1024;

    private final EnclaveSession session;
    private final HttpServerResponse response;
    private final Context context;
    private final Runnable onEnd;
    private final int pauseBytes;
    /** Records in sealing order, not yet written. Guarded by this. */
    private final ArrayDeque<byte[]> queued = new ArrayDeque<>();
    /** The bytes of {@code queued}, and the most they ever were. Guarded by this. */
    private long queuedBytes;

    private long peakQueuedBytes;
    /** The producer was told to pause and not yet to resume. Guarded by this. */
    private boolean pressed;

    private Throttle throttle = Throttle.NONE;
    /** close_notify is queued (or sealing failed): nothing more is sealed. Guarded by this. */
    private boolean closing;
    /** Sealing failed or the answer was aborted: the response is reset instead of ended. Guarded by this. */
    private boolean failed;
    /** The response has ended or was reset. Context only. */
    private boolean ended;

    /**
     * @param onEnd runs on the context once the response has ended or was reset (the session ends there)
     */
    RecordOutbox(EnclaveSession session, HttpServerResponse response, Context context, Runnable onEnd) {
        this(session, response, context, onEnd, DEFAULT_PAUSE_BYTES);
    }

    /**
     * On the response's context.
     *
     * @param pauseBytes the size of the connection's write queue, and the bytes waiting here that pause the producer
     */
    RecordOutbox(EnclaveSession session, HttpServerResponse response, Context context, Runnable onEnd, int pauseBytes) {
        if (pauseBytes < 1024) throw new IllegalArgumentException("pauseBytes must be at least 1024: " + pauseBytes);
        this.session = session;
        this.response = response;
        this.context = context;
        this.onEnd = onEnd;
        this.pauseBytes = pauseBytes;
        response.setWriteQueueMaxSize(pauseBytes);
        response.drainHandler(v -> flush());
    }

    /** Queues records the TLS engine already produced (the end of the handshake's flight). */
    synchronized void queueRecords(byte[] records) {
        if (records.length == 0 || closing) return;
        enqueue(records);
        schedule();
    }

    /** Seals {@code plain} (zeroed here) and queues its records behind every record sealed before. */
    @Override
    public synchronized void seal(byte[] plain) {
        if (closing) {
            Arrays.fill(plain, (byte) 0);
            return;
        }
        try {
            enqueue(session.seal(plain));
        } catch (RaTlsException e) {
            Arrays.fill(plain, (byte) 0);
            fail();
        }
        schedule();
    }

    /** Queues close_notify; the response ends once it is written. Idempotent. */
    @Override
    public synchronized void close() {
        if (closing) return;
        closing = true;
        enqueue(session.closeTls());
        schedule();
    }

    @Override
    public synchronized void abort() {
        if (failed) return;
        fail();
        schedule();
    }

    @Override
    public synchronized void throttle(Throttle throttle) {
        this.throttle = throttle;
        if (pressed) throttle.pause().run();
    }

    /** Whether the producer is paused: records wait here for the connection to drain. */
    synchronized boolean pressed() {
        return pressed;
    }

    /** The bytes of records sealed but not yet handed to the connection. */
    synchronized long queuedBytes() {
        return queuedBytes;
    }

    /** The most bytes that ever waited here. */
    synchronized long peakQueuedBytes() {
        return peakQueuedBytes;
    }

    private void enqueue(byte[] records) {
        queued.add(records);
        queuedBytes += records.length;
        peakQueuedBytes = Math.max(peakQueuedBytes, queuedBytes);
        if (!pressed && queuedBytes >= pauseBytes) {
            pressed = true;
            throttle.pause().run();
        }
    }

    private void fail() {
        failed = true;
        closing = true;
        queued.clear();
        queuedBytes = 0;
    }

    private void schedule() {
        context.runOnContext(v -> flush());
    }

    /**
     * On the context: writes what is queued, in order, while the connection takes it; then ends (or resets) the
     * response once closing and all written. What the connection does not take now waits for its drain handler.
     */
    private void flush() {
        if (ended) return;
        boolean end;
        boolean reset;
        while (true) {
            byte[] records;
            synchronized (this) {
                reset = failed;
                if (reset || queued.isEmpty() || (open() && response.writeQueueFull())) {
                    end = closing && queued.isEmpty();
                    if (pressed && queued.isEmpty()) {
                        pressed = false;
                        throttle.resume().run(); // under the lock: a pause sealed meanwhile comes after it
                    }
                    break;
                }
                records = queued.poll();
                queuedBytes -= records.length;
            }
            if (open() && records.length > 0) response.write(Buffer.buffer(records));
        }
        if (reset) {
            ended = true;
            if (open()) response.reset();
            onEnd.run();
        } else if (end) {
            ended = true;
            if (open()) response.end();
            onEnd.run();
        }
    }

    private boolean open() {
        return !response.ended() && !response.closed();
    }
}
