package dev.cloister.tokens.oprf;

/** DeserializeError for a Scalar (RFC 9497 §2.1): wrong length or not below the group order. */
public final class InvalidScalarException extends OprfException {
    public InvalidScalarException(String message) {
        super(message);
    }

    public InvalidScalarException(String message, Throwable cause) {
        super(message, cause);
    }
}
