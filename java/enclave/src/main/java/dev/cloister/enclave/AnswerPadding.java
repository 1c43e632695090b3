package dev.cloister.enclave;

import dev.cloister.protocol.padding.AnswerFrames;
import dev.cloister.protocol.padding.SizeBuckets;
import java.time.Duration;
import java.util.Objects;

/**
 * How the enclave pads the answers a client asks to have padded (issue 15, item 1): streamed answers go out in frames
 * of {@code frameSize} bytes, one every {@code cadence}, their count padded so that their bytes fill a size bucket;
 * whole answers are padded to a size bucket.
 *
 * <p>The first frame of a stream leaves {@code firstFrame} after the request was read, the next ones at the cadence
 * from there. The phase depends on nothing but the request's arrival (which the relay sees anyway), never on when the
 * model produced its first token, so every answer of a bucket still leaves in the same sizes at the same times. A
 * short first frame lets a model that answers within it show its first token without waiting a whole cadence; one
 * that does not costs one frame of padding and {@code firstFrame} more before its first text.
 *
 * @param frameSize  the plaintext of one frame, one TLS record ({@value AnswerFrames#MIN_FRAME} to
 *                   {@value AnswerFrames#MAX_FRAME} bytes)
 * @param cadence    the time between two frames (1 ms to 1 s)
 * @param firstFrame the time from the request's arrival to the first frame (1 ms to {@code cadence})
 * @param buckets    the sizes a whole answer, or a stream's frames together, are padded to
 */
public record AnswerPadding(int frameSize, Duration cadence, Duration firstFrame, SizeBuckets buckets) {

    /**
     * The defaults: 1 KiB frames every 25 ms (40 KiB/s, some 1,000 tokens/s of JSON lines, 1,500 of chat deltas or 200
     * of full OpenAI chunks), the first 2 ms after the request, buckets from 1 KiB.
     */
    public static final AnswerPadding DEFAULT =
            new AnswerPadding(1024, Duration.ofMillis(25), Duration.ofMillis(2), SizeBuckets.DEFAULT);

    public AnswerPadding {
        AnswerFrames.checkFrameSize(frameSize);
        Objects.requireNonNull(buckets, "buckets");
        if (cadence.compareTo(Duration.ofMillis(1)) < 0 || cadence.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("the frame cadence must be from 1 ms to 1 s: " + cadence);
        }
        if (firstFrame.compareTo(Duration.ofMillis(1)) < 0 || firstFrame.compareTo(cadence) > 0) {
            throw new IllegalArgumentException("the first frame must leave from 1 ms to one cadence (" + cadence
                    + ") after the request: " + firstFrame);
        }
    }

    /** Frames at the cadence from the request's arrival: the first one cadence after it. */
    public AnswerPadding(int frameSize, Duration cadence, SizeBuckets buckets) {
        this(frameSize, cadence, cadence, buckets);
    }
}
