package dev.cloister.tokens.oprf;

/** DeserializeError for an Element (RFC 9497 §2.1): wrong length, not on the curve, the identity, or a non-canonical encoding. */
public final class InvalidElementException extends OprfException {
    public InvalidElementException(String message) {
        super(message);
    }

    public InvalidElementException(String message, Throwable cause) {
        super(message, cause);
    }
}
