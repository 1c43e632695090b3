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
 * @param frameSize the plaintext of one frame, one TLS record ({@value AnswerFrames#MIN_FRAME} to
 *                  {@value AnswerFrames#MAX_FRAME} bytes)
 * @param cadence   the time between two frames (1 ms to 1 s)
 * @param buckets   the sizes a whole answer, or a stream's frames together, are padded to
 */
public record AnswerPadding(int frameSize, Duration cadence, SizeBuckets buckets) {

    /**
     * The defaults: 1 KiB frames every 25 ms (40 KiB/s, some 1,000 tokens/s of JSON lines or 200 of OpenAI chunks),
     * buckets from 1 KiB.
     */
    public static final AnswerPadding DEFAULT = new AnswerPadding(1024, Duration.ofMillis(25), SizeBuckets.DEFAULT);

    public AnswerPadding {
        AnswerFrames.checkFrameSize(frameSize);
        Objects.requireNonNull(buckets, "buckets");
        if (cadence.compareTo(Duration.ofMillis(1)) < 0 || cadence.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("the frame cadence must be from 1 ms to 1 s: " + cadence);
        }
    }
}
