package dev.cloister.tokens.oprf;

/** DeriveKeyPairError (RFC 9497 §3.2.1): no non-zero scalar after 256 tries. */
public final class DeriveKeyPairException extends OprfException {
    public DeriveKeyPairException(String message) {
        super(message);
    }

    public DeriveKeyPairException(String message, Throwable cause) {
        super(message, cause);
    }
}
