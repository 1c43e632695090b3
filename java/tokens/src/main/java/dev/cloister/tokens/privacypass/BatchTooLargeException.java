package dev.cloister.tokens.privacypass;

/** A batched request or response holds more elements than the configured maximum; refused before any is decoded. */
public final class BatchTooLargeException extends TokenFormatException {
    private final long size;
    private final int max;

    public BatchTooLargeException(String structure, long size, int max) {
        super(structure + ": batch of " + size + " elements exceeds the maximum of " + max);
        this.size = size;
        this.max = max;
    }

    public long size() {
        return size;
    }

    public int max() {
        return max;
    }
}
