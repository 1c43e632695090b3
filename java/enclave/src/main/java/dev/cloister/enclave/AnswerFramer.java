package dev.cloister.enclave;

import dev.cloister.protocol.padding.AnswerFrames;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Cuts a streamed answer into frames of one size at one cadence (issue 15, item 1): the answer's bytes are buffered
 * as the model produces them, and at every tick, {@code start + firstFrame + k * cadence} for k = 0, 1, 2, ..., exactly
 * one frame goes out, carrying as many buffered bytes as fit ({@link AnswerFrames}), or none. A tick taken late (a busy machine) is
 * not made up with a burst: the ticks that follow start again from it, so two frames never leave closer together
 * than the timer allows. After the answer's end and its last
 * byte, frames of padding follow until their bytes together fill a size bucket; then the framer is finished. So the
 * frame count depends only on the answer's bucket and on how long the answer took in ticks, never on token lengths,
 * and frames leave at the cadence, not when tokens come.
 *
 * <p>Time is a monotonic count of nanoseconds passed in by the caller (a test's own clock, {@link System#nanoTime()}
 * in the enclave). Thread-safe: the model's thread offers bytes while the event loop takes frames.
 */
final class AnswerFramer {

    private final AnswerPadding padding;
    private final long cadenceNanos;
    private final long startNanos;
    private final int capacity;
    private final Consumer<byte[]> keep;
    /** Buffered answer bytes, from 0 to {@code buffered}; each array is registered with {@code keep}. */
    private byte[] buffer = new byte[0];

    private int buffered;
    private long emitted;
    /** When the next frame is due. */
    private long nextTick;

    private boolean ended;
    /** The frame count the answer is padded to, known once it ended and its last byte left; -1 before. */
    private long target = -1;

    /**
     * @param startNanos when the answer started (the request was read): its first frame leaves
     *     {@link AnswerPadding#firstFrame()} later
     * @param keep       registers every buffer that holds answer bytes, so that the session's end zeroes it
     */
    AnswerFramer(AnswerPadding padding, long startNanos, Consumer<byte[]> keep) {
        this.padding = padding;
        this.cadenceNanos = padding.cadence().toNanos();
        this.startNanos = startNanos;
        this.capacity = AnswerFrames.capacity(padding.frameSize());
        this.keep = keep;
        this.nextTick = startNanos + padding.firstFrame().toNanos();
    }

    /** Buffers the next bytes of the answer (zeroed here); after the end, bytes are zeroed and dropped. */
    synchronized void offer(byte[] plain) {
        if (ended) {
            Arrays.fill(plain, (byte) 0);
            return;
        }
        if (buffered + plain.length > buffer.length) {
            byte[] bigger = Arrays.copyOf(buffer, Math.max(buffer.length * 2, buffered + plain.length + 256));
            Arrays.fill(buffer, (byte) 0);
            buffer = bigger;
            keep.accept(buffer);
        }
        System.arraycopy(plain, 0, buffer, buffered, plain.length);
        buffered += plain.length;
        Arrays.fill(plain, (byte) 0);
    }

    /** The answer is complete: what is buffered goes out in the next frames, then padding frames. Idempotent. */
    synchronized void end() {
        ended = true;
        settleTarget();
    }

    /**
     * The frame due at {@code nowNanos}, if a tick has come and the framer is not finished. Taken late (a tick or more
     * after it was due), the next tick is one cadence from now.
     */
    synchronized Optional<byte[]> due(long nowNanos) {
        if (nowNanos < nextTick || finished()) return Optional.empty();
        nextTick = nowNanos - nextTick >= cadenceNanos ? nowNanos + cadenceNanos : nextTick + cadenceNanos;
        int take = Math.min(capacity, buffered);
        byte[] frame = AnswerFrames.frame(buffer, 0, take, padding.frameSize());
        System.arraycopy(buffer, take, buffer, 0, buffered - take);
        Arrays.fill(buffer, buffered - take, buffered, (byte) 0);
        buffered -= take;
        emitted++;
        settleTarget();
        return Optional.of(frame);
    }

    /** The answer's bytes waiting for a frame. */
    synchronized int buffered() {
        return buffered;
    }

    /** When the next frame is due. */
    synchronized long nextTickNanos() {
        return nextTick;
    }

    /** Whether the answer ended, all of it left, and the frames fill their bucket: nothing more is sent. */
    synchronized boolean finished() {
        return target >= 0 && emitted >= target;
    }

    /** The frames sent so far. */
    synchronized long emitted() {
        return emitted;
    }

    private void settleTarget() {
        if (target < 0 && ended && buffered == 0) {
            long frameSize = padding.frameSize();
            long bytes = padding.buckets().size(Math.max(1, emitted) * frameSize);
            target = (bytes + frameSize - 1) / frameSize;
        }
    }
}
