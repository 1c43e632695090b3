package dev.cloister.enclave;

import dev.cloister.protocol.padding.AnswerFrames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts a streamed answer into frames of one size at one cadence (issue 15, item 1): the answer's bytes are buffered
 * as the model produces them, and at every tick, {@code start + k * cadence} for k = 1, 2, ..., exactly one frame goes
 * out, carrying as many buffered bytes as fit ({@link AnswerFrames}), or none. After the answer's end and its last
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
    private boolean ended;
    /** The frame count the answer is padded to, known once it ended and its last byte left; -1 before. */
    private long target = -1;

    /**
     * @param startNanos when the answer started: its first frame leaves one cadence later
     * @param keep       registers every buffer that holds answer bytes, so that the session's end zeroes it
     */
    AnswerFramer(AnswerPadding padding, long startNanos, Consumer<byte[]> keep) {
        this.padding = padding;
        this.cadenceNanos = padding.cadence().toNanos();
        this.startNanos = startNanos;
        this.capacity = AnswerFrames.capacity(padding.frameSize());
        this.keep = keep;
    }

    /** Buffers the next bytes of the answer (zeroed here). */
    synchronized void offer(byte[] plain) {
        if (ended) {
            Arrays.fill(plain, (byte) 0);
            throw new IllegalStateException("the answer has ended");
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

    /** The frames of every tick up to {@code nowNanos} not yet taken (one per tick; several if the caller was late). */
    synchronized List<byte[]> due(long nowNanos) {
        long ticks = Math.max(0, (nowNanos - startNanos) / cadenceNanos);
        List<byte[]> frames = new ArrayList<>();
        while (emitted < ticks && !finished()) {
            int take = Math.min(capacity, buffered);
            frames.add(AnswerFrames.frame(buffer, 0, take, padding.frameSize()));
            System.arraycopy(buffer, take, buffer, 0, buffered - take);
            Arrays.fill(buffer, buffered - take, buffered, (byte) 0);
            buffered -= take;
            emitted++;
            settleTarget();
        }
        return frames;
    }

    /** When the next frame is due. */
    synchronized long nextTickNanos() {
        return startNanos + (emitted + 1) * cadenceNanos;
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
