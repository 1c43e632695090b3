package dev.cloister.tokens.auth;

/** A WWW-Authenticate or Authorization header value is malformed or too large (RFC 9110 §11, RFC 9577 §2). */
public final class AuthHeaderException extends Exception {
    private final int offset;

    public AuthHeaderException(String message, int offset) {
        super(message + (offset >= 0 ? " at offset " + offset : ""));
        this.offset = offset;
    }

    public AuthHeaderException(String message, Throwable cause) {
        super(message, cause);
        this.offset = -1;
    }

    /** Where in the header value parsing stopped, or -1. */
    public int offset() {
        return offset;
    }
}
