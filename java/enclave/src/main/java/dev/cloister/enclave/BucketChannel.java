package dev.cloister.enclave;

import dev.cloister.protocol.padding.SizeBuckets;
import java.util.Arrays;

/**
 * A whole answer padded to a size bucket (issue 15, item 1): the answer's Binary HTTP message is collected, followed
 * by zero bytes up to its bucket (RFC 9292 §3.8 padding: a recipient reads them as the message's padding), and sealed
 * at once when the answer is complete. The collected bytes are registered with the session, so its end zeroes them.
 */
final class BucketChannel implements AnswerChannel {

    private final RecordOutbox outbox;
    private final EnclaveSession session;
    private final SizeBuckets buckets;
    private byte[] collected = new byte[0];
    private int length;
    private boolean closed;

    BucketChannel(RecordOutbox outbox, EnclaveSession session, SizeBuckets buckets) {
        this.outbox = outbox;
        this.session = session;
        this.buckets = buckets;
    }

    @Override
    public synchronized void seal(byte[] plain) {
        if (closed) {
            Arrays.fill(plain, (byte) 0);
            return;
        }
        if (length + plain.length > collected.length) {
            byte[] bigger = Arrays.copyOf(collected, buckets.size((long) length + plain.length));
            Arrays.fill(collected, (byte) 0);
            collected = bigger;
            session.keep(collected);
        }
        System.arraycopy(plain, 0, collected, length, plain.length);
        length += plain.length;
        Arrays.fill(plain, (byte) 0);
    }

    @Override
    public synchronized void abort() {
        closed = true;
        Arrays.fill(collected, (byte) 0);
        outbox.abort();
    }

    /** Nothing to pause: the whole answer is collected anyway (at most the enclave's output-token limit). */
    @Override
    public void throttle(Throttle throttle) {}

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        byte[] padded = Arrays.copyOf(collected, buckets.size(length));
        Arrays.fill(collected, (byte) 0);
        outbox.seal(padded);
        outbox.close();
    }
}
