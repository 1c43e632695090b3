package dev.cloister.enclave;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * A streamed answer in fixed-size frames at a fixed cadence ({@link AnswerFramer}): a Vert.x timer takes each tick's
 * frame and seals it as one TLS record into the {@link RecordOutbox}; once the framer is finished, TLS closes. Ticks
 * run from the moment the request was read, whether or not the model has produced anything, and stop when the
 * session ends for any other reason (the gateway's connection closed, the idle timeout).
 */
final class FramedChannel implements AnswerChannel {

    private final Vertx vertx;
    private final RecordOutbox outbox;
    private final EnclaveSession session;
    private final AnswerFramer framer;

    FramedChannel(Vertx vertx, RecordOutbox outbox, EnclaveSession session, AnswerPadding padding) {
        this.vertx = vertx;
        this.outbox = outbox;
        this.session = session;
        this.framer = new AnswerFramer(padding, System.nanoTime(), session::keep);
        schedule();
    }

    @Override
    public void seal(byte[] plain) {
        framer.offer(plain);
    }

    @Override
    public void close() {
        framer.end();
    }

    private void schedule() {
        long delayNanos = framer.nextTickNanos() - System.nanoTime();
        vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999)), id -> tick());
    }

    private void tick() {
        if (session.isWiped()) return;
        framer.due(System.nanoTime()).ifPresent(outbox::seal);
        if (framer.finished()) {
            outbox.close();
        } else {
            schedule();
        }
    }
}
