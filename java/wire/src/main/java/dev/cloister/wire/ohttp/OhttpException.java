package dev.cloister.wire.ohttp;

/**
 * An Oblivious HTTP message could not be processed. The {@link Reason} decides the HTTP answer (RFC 9458 §5 and
 * §6); the message never contains content.
 */
public final class OhttpException extends Exception {

    /** Why a message was refused. */
    public enum Reason {
        /** Not a well-formed encapsulated message or key configuration. */
        MALFORMED,
        /** The key identifier is unknown or expired, or the KEM/KDF/AEAD does not match its key configuration. */
        KEY_CONFIGURATION,
        /** The message did not authenticate under the key it names. */
        DECRYPTION_FAILED,
        /** The message, or one of its chunks, exceeds a configured limit. */
        TOO_LARGE,
        /** A chunked message ended without its final chunk. */
        TRUNCATED
    }

    private final Reason reason;

    public OhttpException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public OhttpException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
