package dev.cloister.enclave;

import dev.cloister.attest.ratls.RaTlsException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one writer of a session's answer: TLS records into the gateway's response. Each record carries the next
 * sequence number, so the client can open records only in the order they were sealed (RFC 8446, section 5.3): a
 * record that overtakes an earlier one fails as {@code bad_record_mac}. Here sealing and queuing happen together
 * under one lock, from whichever thread produces the bytes (the event loop, the scheduler's thread), and only this
 * outbox writes to the response, on the response's context, draining the queue in order. After close_notify nothing
 * more is sealed, and the response ends behind the last record.
 */
final class RecordOutbox implements AnswerChannel {

    private final EnclaveSession session;
    private final HttpServerResponse response;
    private final Context context;
    private final Runnable onEnd;
    /** Records in sealing order, not yet written. Guarded by this. */
    private final ArrayDeque<byte[]> queued = new ArrayDeque<>();
    /** close_notify is queued (or sealing failed): nothing more is sealed. Guarded by this. */
    private boolean closing;
    /** Sealing failed: the response is reset instead of ended. Guarded by this. */
    private boolean failed;
    /** The response has ended or was reset. Context only. */
    private boolean ended;

    /**
     * @param onEnd runs on the context once the response has ended or was reset (the session ends there)
     */
    RecordOutbox(EnclaveSession session, HttpServerResponse response, Context context, Runnable onEnd) {
        this.session = session;
        this.response = response;
        this.context = context;
        this.onEnd = onEnd;
    }

    /** Queues records the TLS engine already produced (the end of the handshake's flight). */
    synchronized void queueRecords(byte[] records) {
        if (records.length == 0 || closing) return;
        queued.add(records);
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
            queued.add(session.seal(plain));
        } catch (RaTlsException e) {
            Arrays.fill(plain, (byte) 0);
            failed = true;
            closing = true;
            queued.clear();
        }
        schedule();
    }

    /** Queues close_notify; the response ends once it is written. Idempotent. */
    @Override
    public synchronized void close() {
        if (closing) return;
        closing = true;
        queued.add(session.closeTls());
        schedule();
    }

    private void schedule() {
        context.runOnContext(v -> flush());
    }

    /** On the context: writes what is queued, in order, then ends (or resets) the response once closing. */
    private void flush() {
        if (ended) return;
        List<byte[]> out;
        boolean end;
        boolean reset;
        synchronized (this) {
            out = new ArrayList<>(queued);
            queued.clear();
            end = closing;
            reset = failed;
        }
        if (reset) {
            ended = true;
            if (open()) response.reset();
            onEnd.run();
            return;
        }
        for (byte[] records : out) {
            if (open() && records.length > 0) response.write(Buffer.buffer(records));
        }
        if (end) {
            ended = true;
            if (open()) response.end();
            onEnd.run();
        }
    }

    private boolean open() {
        return !response.ended() && !response.closed();
    }
}
