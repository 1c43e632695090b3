package dev.cloister.tokens.oprf;

/** InverseError (RFC 9497 §3.3.3): the POPRF tweak t = skS + m is zero. */
public final class InverseException extends OprfException {
    public InverseException(String message) {
        super(message);
    }

    public InverseException(String message, Throwable cause) {
        super(message, cause);
    }
}
