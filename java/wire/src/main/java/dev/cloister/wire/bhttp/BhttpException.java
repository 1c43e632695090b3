package dev.cloister.wire.bhttp;

import java.util.Objects;

/**
 * An invalid Binary HTTP message (RFC 9292 §4): the message must not be processed further.
 *
 * <p>The message text says what is wrong and where (section, field index, byte offset, lengths). It never contains
 * bytes of the message itself: no control data, field names or values, and no content, since a message can be a
 * user's private request. It is therefore safe to log.
 */
public final class BhttpException extends Exception {

    /** Why a message was refused, for callers that map failures onto responses or metrics. */
    public enum Reason {
        /** The bytes break a rule of RFC 9292 or of the HTTP field syntax it refers to. */
        MALFORMED,
        /** The message ends inside a section, or a length points past the end of the input (RFC 9292 §3.8). */
        TRUNCATED,
        /** The message is well formed so far but exceeds a configured {@link BhttpLimits} value. */
        LIMIT_EXCEEDED
    }

    private final Reason reason;

    /**
     * @param reason  the kind of failure
     * @param message what is wrong and where; must not contain message bytes
     */
    public BhttpException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The kind of failure. */
    public Reason reason() {
        return reason;
    }
}
