package dev.cloister.protocol.padding;

import java.util.Optional;

/**
 * How the client asks the enclave to pad its answer: the value of the request header {@value #HEADER} inside the
 * session (so only the enclave sees it). Without the header the answer is not padded.
 */
public enum PaddingMode {
    /**
     * A streamed answer, in frames of one fixed size at a fixed cadence ({@link AnswerFrames}); their count is padded
     * to a size bucket.
     */
    FRAMES("frames"),
    /** A whole answer, padded to a size bucket with RFC 9292 §3.8 padding (zero bytes after the message). */
    BUCKET("bucket");

    /** The request header that asks for a padded answer. */
    public static final String HEADER = "cloister-padding";

    private final String wireName;

    PaddingMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The mode a request's header asks for: none without the header; an unknown value is refused. */
    public static Optional<PaddingMode> of(Optional<String> header) throws UnknownModeException {
        if (header.isEmpty()) return Optional.empty();
        for (PaddingMode mode : values()) {
            if (mode.wireName.equals(header.get())) return Optional.of(mode);
        }
        throw new UnknownModeException();
    }

    /** The header names no padding mode this version knows. */
    public static final class UnknownModeException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownModeException() {
            super(HEADER + " names an unknown padding mode (use frames or bucket)");
        }
    }
}
