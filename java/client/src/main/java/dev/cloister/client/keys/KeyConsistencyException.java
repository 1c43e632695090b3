package dev.cloister.client.keys;

/** No advertised key configuration is vouched for by the ledger; the message gives each reason. */
public final class KeyConsistencyException extends Exception {

    private static final long serialVersionUID = 1L;

    public KeyConsistencyException(String message) {
        super(message);
    }

    public KeyConsistencyException(String message, Throwable cause) {
        super(message, cause);
    }
}
