package dev.cloister.wire.bhttp;

/**
 * Bounds that a decoder enforces before it allocates anything for a Binary HTTP message (RFC 9292 §3, whose lengths
 * may be as large as 2^62-1). A message that exceeds one of them is refused with
 * {@link BhttpException.Reason#LIMIT_EXCEEDED}.
 *
 * @param maxMessageSize            the largest encoded message, padding included, in bytes
 * @param maxFieldSectionSize       the largest encoded header or trailer section (its field lines, without the length
 *                                  prefix or terminator), in bytes; also the largest single control-data value
 *                                  (method, scheme, authority, path)
 * @param maxFields                 the most field lines in one header or trailer section
 * @param maxContentSize            the largest content, in bytes (for indeterminate length, all chunks together)
 * @param maxInformationalResponses the most informational (1xx) responses before the final response
 */
public record BhttpLimits(
        int maxMessageSize, int maxFieldSectionSize, int maxFields, int maxContentSize, int maxInformationalResponses) {

    /**
     * Limits for the gateway and the enclave: 16 MiB of content, 64 KiB per field section, 256 fields per section,
     * 8 informational responses, and a message of at most 17 MiB (the content plus room for every field section).
     */
    public static final BhttpLimits DEFAULT = new BhttpLimits(17 << 20, 64 << 10, 256, 16 << 20, 8);

    /** Checks that every limit is usable: the message limit is positive and the others are not negative. */
    public BhttpLimits {
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be positive: " + maxMessageSize);
        }
        if (maxFieldSectionSize < 0 || maxFields < 0 || maxContentSize < 0 || maxInformationalResponses < 0) {
            throw new IllegalArgumentException("BHTTP limits must not be negative");
        }
    }
}
