package dev.cloister.wire.ohttp;

/**
 * Bounds on what a gateway or client accepts: the whole message, and one chunk of a chunked message (its AEAD
 * ciphertext, tag included). Lengths are checked against these before anything is buffered or allocated.
 */
public record OhttpLimits(long maxMessageLength, int maxChunkLength) {

    /** 1 MiB messages, 64 KiB chunks. */
    public static final OhttpLimits DEFAULT = new OhttpLimits(1 << 20, 1 << 16);

    public OhttpLimits {
        if (maxMessageLength < 64 || maxChunkLength < 32) {
            throw new IllegalArgumentException("limits too small to carry any message");
        }
    }
}
