package dev.cloister.protocol.padding;

/**
 * Sizes a padded message may take: the powers of two from {@code minimum} up. A message is padded to the smallest
 * bucket that holds it, so an observer of the padded size learns only its bucket (issue 15, item 1). The client pads
 * its requests and the enclave its whole answers with RFC 9292 §3.8 padding (zero bytes after the message); a streamed
 * answer's frame count is padded the same way ({@link AnswerFrames}).
 *
 * @param minimum the smallest bucket, in bytes: a power of two from 64 to 1 MiB
 */
public record SizeBuckets(int minimum) {

    /** The default: 1 KiB, 2 KiB, 4 KiB, ... */
    public static final SizeBuckets DEFAULT = new SizeBuckets(1024);

    /** The largest bucket: messages above 1 GiB are not padded but refused. */
    public static final int MAX_SIZE = 1 << 30;

    public SizeBuckets {
        if (minimum < 64 || minimum > (1 << 20) || Integer.bitCount(minimum) != 1) {
            throw new IllegalArgumentException(
                    "the smallest size bucket must be a power of two from 64 to 1 MiB: " + minimum);
        }
    }

    /** The size of the smallest bucket that holds {@code length} bytes. */
    public int size(long length) {
        if (length < 0 || length > MAX_SIZE) {
            throw new IllegalArgumentException("no size bucket holds " + length + " bytes");
        }
        if (length <= minimum) return minimum;
        return Integer.highestOneBit((int) length - 1) << 1;
    }

    /** The zero bytes that bring {@code length} bytes to their bucket. */
    public int padding(long length) {
        return (int) (size(length) - length);
    }
}
