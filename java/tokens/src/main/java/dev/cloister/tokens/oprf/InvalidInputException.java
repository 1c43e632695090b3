package dev.cloister.tokens.oprf;

/** InvalidInputError (RFC 9497 §3.3.1): the input hashed to the identity, or a POPRF tweaked key is the identity. */
public final class InvalidInputException extends OprfException {
    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
