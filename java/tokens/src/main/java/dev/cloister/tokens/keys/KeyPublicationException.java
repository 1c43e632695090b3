package dev.cloister.tokens.keys;

/** A key could not be published (or a receipt did not match the key), so it must not be used. */
public final class KeyPublicationException extends Exception {
    public KeyPublicationException(String message) {
        super(message);
    }

    public KeyPublicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
