package dev.cloister.enclave;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * A streamed answer in fixed-size frames at a fixed cadence ({@link AnswerFramer}): a Vert.x timer takes each tick's
 * frame and seals it as one TLS record into the {@link RecordOutbox}; once the framer is finished, TLS closes. Ticks
 * run from the moment the request was read, whether or not the model has produced anything, and stop when the
 * session ends for any other reason (the gateway's connection closed, the idle timeout).
 *
 * <p><b>A reader that falls behind, and why pausing opens no timing channel.</b> A tick that finds the outbox
 * {@linkplain RecordOutbox#pressed() pressed} (records wait because the connection does not take them) takes no frame;
 * the framer then treats the next tick taken as late, so the cadence starts again from it and no burst makes up for
 * the wait. Whether the outbox is pressed depends only on frames already sent (all of one size, sealed at ticks) and
 * on how fast the client reads; never on the answer's content or its tokens' timing. And the relay already sees the
 * client's reading pace: it is its own connection's flow control. Meanwhile the model's bytes wait in the framer,
 * which the answer's own bounds (output tokens, size bucket) limit. The generation is <b>never paused</b> here: a
 * pause that began once enough answer bytes wait would make whether (and when) a stalled answer is reset depend on
 * the answer's length, which the frames exist to hide. So a framed answer ends only as its session does (the reader
 * caught up, the gateway's connection closed, the idle timeout), whatever its content.
 */
final class FramedChannel implements AnswerChannel {

    private final Vertx vertx;
    private final RecordOutbox outbox;
    private final EnclaveSession session;
    private final AnswerFramer framer;
    private final long cadenceMillis;

    FramedChannel(Vertx vertx, RecordOutbox outbox, EnclaveSession session, AnswerPadding padding) {
        this.vertx = vertx;
        this.outbox = outbox;
        this.session = session;
        this.framer = new AnswerFramer(padding, System.nanoTime(), session::keep);
        this.cadenceMillis = Math.max(1, padding.cadence().toMillis());
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

    @Override
    public void abort() {
        framer.end();
        outbox.abort();
    }

    /** Never pauses the generation (see the class comment): the throttle is not used. */
    @Override
    public void throttle(Throttle throttle) {}

    private void schedule() {
        long delayNanos = framer.nextTickNanos() - System.nanoTime();
        vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999)), id -> tick());
    }

    private void tick() {
        if (session.isWiped()) return;
        if (outbox.pressed()) {
            // The client reads more slowly than frames leave: no frame this tick; look again one cadence on.
            vertx.setTimer(cadenceMillis, id -> tick());
            return;
        }
        framer.due(System.nanoTime()).ifPresent(outbox::seal);
        if (framer.finished()) {
            outbox.close();
        } else {
            schedule();
        }
    }
}
