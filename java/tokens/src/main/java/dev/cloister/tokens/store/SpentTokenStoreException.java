package dev.cloister.tokens.store;

/** The store could not answer (I/O failure, closed, corrupt state). The caller must refuse the token: fail closed. */
public final class SpentTokenStoreException extends Exception {
    public SpentTokenStoreException(String message) {
        super(message);
    }

    public SpentTokenStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
