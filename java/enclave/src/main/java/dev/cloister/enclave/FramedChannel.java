package dev.cloister.enclave;

import dev.cloister.protocol.padding.AnswerFrames;
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
 * client's reading pace: it is its own connection's flow control. Meanwhile the model's bytes wait in the framer;
 * once {@code pauseBytes} of them wait, the generation is paused, and it is resumed when half of that is left. Pausing
 * changes when the model runs, not when frames leave or how big they are: a frame carries whatever the framer holds
 * at its tick, and the frame count is still set by the answer's bytes, its size bucket and the ticks it took.
 */
final class FramedChannel implements AnswerChannel {

    /** By default the generation pauses once 32 frames' worth (32 KiB of 1 KiB frames) wait in the framer. */
    static final int DEFAULT_PAUSE_FRAMES = 32;

    private final Vertx vertx;
    private final RecordOutbox outbox;
    private final EnclaveSession session;
    private final AnswerFramer framer;
    private final long cadenceMillis;
    private final int pauseBytes;
    /** Guarded by this. */
    private Throttle throttle = Throttle.NONE;
    /** The generation was told to pause and not yet to resume. Guarded by this. */
    private boolean pressed;

    FramedChannel(Vertx vertx, RecordOutbox outbox, EnclaveSession session, AnswerPadding padding) {
        this.vertx = vertx;
        this.outbox = outbox;
        this.session = session;
        this.framer = new AnswerFramer(padding, System.nanoTime(), session::keep);
        this.cadenceMillis = Math.max(1, padding.cadence().toMillis());
        this.pauseBytes = DEFAULT_PAUSE_FRAMES * AnswerFrames.capacity(padding.frameSize());
        schedule();
    }

    @Override
    public void seal(byte[] plain) {
        framer.offer(plain);
        synchronized (this) {
            if (!pressed && framer.buffered() >= pauseBytes) {
                pressed = true;
                throttle.pause().run();
            }
        }
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

    @Override
    public synchronized void throttle(Throttle throttle) {
        this.throttle = throttle;
        if (pressed) throttle.pause().run();
    }

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
        synchronized (this) {
            if (pressed && framer.buffered() <= pauseBytes / 2) {
                pressed = false;
                throttle.resume().run();
            }
        }
        if (framer.finished()) {
            outbox.close();
        } else {
            schedule();
        }
    }
}
