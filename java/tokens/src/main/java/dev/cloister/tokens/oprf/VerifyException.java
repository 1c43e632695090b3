package dev.cloister.tokens.oprf;

/** VerifyError (RFC 9497 §3.3.2): the DLEQ proof does not verify. */
public final class VerifyException extends OprfException {
    public VerifyException(String message) {
        super(message);
    }

    public VerifyException(String message, Throwable cause) {
        super(message, cause);
    }
}
