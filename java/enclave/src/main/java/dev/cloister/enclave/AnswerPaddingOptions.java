package dev.cloister.enclave;

import dev.cloister.protocol.padding.SizeBuckets;
import dev.cloister.server.command.UsageException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code cloister enclave}'s padding knobs ({@link AnswerPadding}); the defaults are on. */
final class AnswerPaddingOptions {

    @Option(
            names = "--frame-size",
            paramLabel = "BYTES",
            defaultValue = "1024",
            description =
                    "Bytes of one frame of a streamed answer, one TLS record (64 to 16384; default: ${DEFAULT-VALUE})")
    int frameSize;

    @Option(
            names = "--frame-cadence",
            paramLabel = "DURATION",
            defaultValue = "PT0.025S",
            description = "Time between two frames of a streamed answer (1 ms to 1 s; default: ${DEFAULT-VALUE})")
    Duration cadence;

    @Option(
            names = "--first-frame",
            paramLabel = "DURATION",
            defaultValue = "PT0.002S",
            description = "Time from a streamed request's arrival to its answer's first frame; the cadence runs "
                    + "from there (1 ms to the cadence; default: ${DEFAULT-VALUE})")
    Duration firstFrame;

    @Option(
            names = "--padding-bucket",
            paramLabel = "BYTES",
            defaultValue = "1024",
            description = "Smallest size bucket of a padded answer; buckets are its powers-of-two multiples "
                    + "(a power of two from 64 to 1048576; default: ${DEFAULT-VALUE})")
    int bucket;

    AnswerPadding padding() {
        try {
            return new AnswerPadding(frameSize, cadence, firstFrame, new SizeBuckets(bucket));
        } catch (IllegalArgumentException e) {
            throw new UsageException(
                    "--frame-size " + frameSize + " --frame-cadence " + cadence + " --first-frame " + firstFrame
                            + " --padding-bucket " + bucket,
                    e.getMessage());
        }
    }
}
